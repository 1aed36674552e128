# Global: anything SpamAssassin flagged goes to Junk, and the user's script stops here.
require ["fileinto"];

if header :is "X-Spam-Flag" "YES" {
  fileinto "Junk";
  stop;
}
