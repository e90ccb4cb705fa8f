"""Billing: the pure date and money rules (calendar, money, extras) first, services on top of them."""
