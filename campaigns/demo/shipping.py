"""The demo stores' shipping profiles and the duties note for China.

Most stores ship home, to their region and to China; some also to the rest of the world; every seventh
ships only within Africa, so shoppers in China meet a store that says it does not ship to them. Demo
products have no weight, so every method is priced flat (a vendor adds weights before pricing by
weight). Stores that already have a zone are left alone, so a second run adds nothing.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from marketplace.catalog.models import Country
from marketplace.core.money import precision
from marketplace.extensions import db
from marketplace.shipping.models import DutyNote, DutyPayer, MethodKind, ShippingMethod, ShippingZone
from marketplace.vendors.models import Store

REGION_NAMES = {"north": "North Africa", "west": "West Africa", "central": "Central Africa",
                "east": "East Africa", "southern": "Southern Africa"}
CHINA = "CN HK MO"
# The note staff would write for China (their own words per language), shown to shoppers there.
CHINA_NOTE = {
    "en": "China's cross-border e-commerce allowance covers orders up to ¥5,000 (¥26,000 a year); duties and "
          "import VAT may apply above it.",
    "fr": "Le régime chinois du commerce électronique transfrontalier couvre les commandes jusqu'à 5 000 ¥ "
          "(26 000 ¥ par an) ; au-delà, des droits et la TVA à l'importation peuvent s'appliquer.",
    "ar": "يغطي نظام التجارة الإلكترونية العابرة للحدود في الصين الطلبات حتى 5000 يوان (26000 يوان سنويًا)؛ وقد "
          "تُفرض الرسوم وضريبة القيمة المضافة على الواردات فوق ذلك.",
    "pt": "O regime chinês de comércio eletrónico transfronteiriço cobre encomendas até ¥5.000 (¥26.000 por ano); "
          "acima disso podem aplicar-se direitos e IVA de importação.",
    "sw": "Utaratibu wa China wa biashara mtandaoni kuvuka mipaka unahusu maagizo hadi ¥5,000 (¥26,000 kwa "
          "mwaka); zaidi ya hapo ushuru na VAT ya uagizaji vinaweza kutozwa.",
    "zh": "跨境电商零售进口单次交易限值为人民币5000元（年度限值26000元），超出部分可能需缴纳关税和进口环节增值税。",
}


def local_amount(usd: str, currency: str, usd_rate: Decimal) -> int:
    """`usd` dollars in `currency`'s minor units, rounded as a shop would write it."""
    local = Decimal(usd) * usd_rate
    step = Decimal(1) if local < 100 else Decimal(10) if local < 5000 else Decimal(100)
    return int(((local / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).scaleb(precision(currency)))


def _method(carrier: str, usd: str, days: tuple[int, int], currency: str, rate: Decimal, tracked: bool = True,
            kind: MethodKind = MethodKind.CARRIER, free_over_usd: str | None = None) -> ShippingMethod:
    return ShippingMethod(kind=kind, carrier=carrier, tracked=tracked, currency=currency,
                          flat_amount=0 if usd == "0" else local_amount(usd, currency, rate), weight_bands=[],
                          free_over_amount=local_amount(free_over_usd, currency, rate) if free_over_usd else None,
                          min_days=days[0], max_days=days[1])


def seed_shipping(usd_rates: dict[str, Decimal]) -> int:
    """Give every store without a shipping profile the demo one, and China its duties note; returns how many
    stores got a profile."""
    countries = {country.code: country for country in db.session.scalars(select(Country))}
    profiled = set(db.session.scalars(select(ShippingZone.store_id).distinct()))
    added = 0
    for index, store in enumerate(db.session.scalars(select(Store).order_by(Store.id))):
        if store.id in profiled:
            continue
        country = countries[store.country_code]
        currency, rate = country.currency, usd_rates.get(country.currency, Decimal(1))
        region = sorted(code for code, other in countries.items() if other.region == country.region
                        and code != store.country_code)
        zones = [
            ShippingZone(store_id=store.id, name="Home", countries=store.country_code, methods=[
                _method("National post", "3", (2, 5), currency, rate, tracked=False),
                _method(f"Pick-up in {store.city or 'town'}", "0", (1, 2), currency, rate, tracked=False,
                        kind=MethodKind.PICKUP)]),
            ShippingZone(store_id=store.id, name=REGION_NAMES.get(country.region, "Region"),
                         countries=" ".join(region), methods=[
                             _method("Regional courier", "12", (4, 9), currency, rate)]),
        ]
        if index % 7 != 6:
            zones.append(ShippingZone(store_id=store.id, name="China", countries=CHINA, methods=[
                _method("EMS", "24", (8, 15), currency, rate, free_over_usd="150" if index % 2 else None),
                _method("China Post (untracked)", "11", (15, 30), currency, rate, tracked=False)]))
        if index % 3 == 0:
            zones.append(ShippingZone(store_id=store.id, name="Rest of the world", rest_of_world=True, methods=[
                _method("DHL Express", "45", (4, 8), currency, rate)]))
        db.session.add_all(zones)
        added += 1
    if db.session.get(DutyNote, "CN") is None:
        db.session.add(DutyNote(country_code="CN", payer=DutyPayer.SHOPPER, texts=CHINA_NOTE))
    db.session.commit()
    return added
