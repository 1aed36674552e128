# A rule chain where the first matching rule wins and the rest are skipped with stop.
require ["fileinto"];

if header :contains "subject" "[security]" { fileinto "Security"; stop; }
if address :domain "from" "example.org" { fileinto "Partners"; stop; }
if size :over 1M { fileinto "Large"; stop; }
