# Messages written on a weekend (in the sender's own time zone) go to "Weekend";
# messages written outside 08:00-18:00 on weekdays get the $AfterHours keyword.
require ["date", "relational", "fileinto", "imap4flags"];

if date :originalzone :value "eq" "date" "weekday" ["0", "6"] {
  fileinto "Weekend";
} elsif anyof (date :originalzone :value "lt" "date" "hour" "08",
               date :originalzone :value "ge" "date" "hour" "18") {
  addflag "$AfterHours";
}
