# SpamAssassin marks spam with X-Spam-Flag: YES; file it into Junk and mark it read.
require ["fileinto", "imap4flags"];

if header :is "X-Spam-Flag" "YES" {
  fileinto :flags "\\Seen" "Junk";
  stop;
}
