# Promotional mail recognised by its body text.
require ["body", "fileinto"];

if body :text :contains ["% off", "limited time offer", "unsubscribe from these emails"] {
  fileinto "Promotions";
}
