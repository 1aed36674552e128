# Header values are compared after RFC 2047 decoding: a German invoice subject.
require ["fileinto"];

if header :contains "subject" "Rechnung für" {
  fileinto "Rechnungen";
}
