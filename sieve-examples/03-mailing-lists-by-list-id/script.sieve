# One folder per mailing list, named after the List-Id (RFC 2919), lower-cased.
require ["variables", "fileinto", "mailbox"];

if header :matches "List-Id" "*<*.*>*" {
  set :lower "list" "${2}";
  fileinto :create "Lists/${list}";
}
