# Out of office. Lists, bulk mail, auto-replies and mail not addressed to Bob get no reply
# (RFC 5230 §4.5, RFC 3834).
require "vacation";

vacation
  :days 7
  :subject "Out of office"
  :addresses ["bob@example.net", "robert@example.net"]
  "I am away until 16 February and will read your message when I am back.";
