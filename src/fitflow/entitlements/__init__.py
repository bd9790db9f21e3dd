"""How a member pays for a class: membership, pass, credits, or payment required."""
