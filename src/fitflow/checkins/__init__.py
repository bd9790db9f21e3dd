"""Check-in: signed tokens shown as QR codes, and the kiosk or desk that reads them."""
