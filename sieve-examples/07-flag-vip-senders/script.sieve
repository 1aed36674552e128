# Mail from the boss and key customers is flagged and stays in INBOX.
require ["imap4flags"];

if address :is "from" ["ceo@example.net", "alice@example.org", "buyer@customer.example"] {
  addflag "\\Flagged";
  addflag "$VIP";
}
