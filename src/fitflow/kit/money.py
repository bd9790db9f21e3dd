"""Money is an integer count of a currency's minor unit; this module knows the currencies
(ISO 4217) and how many decimals each minor unit has."""

from __future__ import annotations

_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMALS = "CLF UYW"
_TWO_DECIMALS = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES "
    "WST XCD XCG YER ZAR ZMW ZWG"
)

MINOR_UNIT_DECIMALS: dict[str, int] = {
    code: decimals
    for codes, decimals in (
        (_TWO_DECIMALS, 2),
        (_ZERO_DECIMALS, 0),
        (_THREE_DECIMALS, 3),
        (_FOUR_DECIMALS, 4),
    )
    for code in codes.split()
}


def is_currency(code: str) -> bool:
    return code in MINOR_UNIT_DECIMALS


def format_minor(amount_minor: int, currency: str) -> str:
    """`1250, "EUR"` -> `"12.50 EUR"`, exactly, in the currency's own decimals."""
    decimals = MINOR_UNIT_DECIMALS.get(currency, 2)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**decimals)
    digits = f".{fraction:0{decimals}d}" if decimals else ""
    return f"{sign}{whole}{digits} {currency}"
