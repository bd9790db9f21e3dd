"""Orders and the money taken for them: desk payments today, Stripe in its own change."""
