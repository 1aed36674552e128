# Machine-sent notifications are marked read and archived.
require ["fileinto", "imap4flags"];

if address :localpart :matches "from" ["noreply", "no-reply", "notifications*"] {
  addflag "\\Seen";
  fileinto "Archive/Notifications";
}
