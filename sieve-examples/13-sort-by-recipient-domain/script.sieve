# Mail sent to the work domain goes to Work, to the family domain to Family.
require ["fileinto"];

if address :domain :is ["to", "cc"] "work.example" {
  fileinto "Work";
} elsif address :domain :is ["to", "cc"] "family.example" {
  fileinto "Family";
}
