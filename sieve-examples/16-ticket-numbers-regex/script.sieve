# "[TICKET-1234] ..." goes into Tickets/1234.
require ["regex", "variables", "fileinto", "mailbox"];

if header :regex "subject" "\\[TICKET-([0-9]+)\\]" {
  fileinto :create "Tickets/${1}";
}
