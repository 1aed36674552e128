# Tag external mail in the header, then file it by the tag the script just added.
require ["editheader", "fileinto"];

if not address :domain :is "from" "example.net" {
  addheader "X-External" "yes";
}
deleteheader "X-Internal-Only";
if header :is "X-External" "yes" {
  fileinto "External";
}
