# Bulk mail with an unsubscribe link is a newsletter: file it and mark it read.
require ["fileinto", "imap4flags"];

if allof (exists "List-Unsubscribe", not exists "List-Id") {
  setflag "\\Seen";
  fileinto "Newsletters";
}
