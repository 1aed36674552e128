# Keep a copy and forward everything from the bank to the accountant.
require ["copy"];

if address :domain :is "from" "bank.example" {
  redirect :copy "accountant@example.com";
}
