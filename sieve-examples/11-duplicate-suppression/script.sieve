# Drop a second copy of the same message (same Message-ID) within a day (RFC 7352).
require ["duplicate"];

if duplicate :seconds 86400 {
  discard;
}
