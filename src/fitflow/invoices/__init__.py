"""Invoices for paid orders and credit notes for their refunds, numbered without gaps per
studio, as JSON, printable HTML and PDF."""
