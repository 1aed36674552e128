# File into a project folder only if it exists; otherwise keep in INBOX with a keyword.
require ["mailbox", "fileinto", "imap4flags", "variables"];

if header :matches "subject" "[*]*" {
  set :lower "project" "${1}";
  if mailboxexists "Projects/${project}" {
    fileinto "Projects/${project}";
  } else {
    addflag "$Unsorted";
  }
}
