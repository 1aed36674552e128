# The site-wide spam rules live in a global script; personal rules follow.
require ["include", "fileinto"];

include :global "spam-filter";

if header :contains "subject" "invoice" {
  fileinto "Invoices";
}
