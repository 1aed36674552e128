# Urgent mail from the team also sends a short notification to the phone gateway.
require ["enotify", "variables"];

if allof (header :contains "subject" "URGENT", address :domain "from" "example.org") {
  if header :matches "from" "*" { set "sender" "${1}"; }
  notify :importance "1" :message "Urgent mail from ${sender}" "mailto:bob-phone@sms.example.net";
}
