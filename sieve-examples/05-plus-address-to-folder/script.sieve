# bob+shopping@example.net goes to the folder "shopping" (RFC 5233), created on demand.
require ["envelope", "subaddress", "variables", "fileinto", "mailbox"];

if envelope :matches :detail "to" "?*" {
  set :lower "folder" "${0}";
  fileinto :create "${folder}";
}
