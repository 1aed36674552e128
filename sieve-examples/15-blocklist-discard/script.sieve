# Silently drop mail from blocked senders and domains.
if anyof (address :is "from" ["pest@annoying.example", "ads@marketing.example"],
          address :domain :is "from" "spam-domain.example") {
  discard;
  stop;
}
