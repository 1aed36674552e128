# Score-based: spamtest maps X-Spam-Score onto 1..10 (RFC 5235); 6 and up goes to Junk,
# 9 and up is discarded outright.
require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto"];

if spamtest :value "ge" :comparator "i;ascii-numeric" "9" {
  discard;
} elsif spamtest :value "ge" :comparator "i;ascii-numeric" "6" {
  fileinto "Junk";
}
