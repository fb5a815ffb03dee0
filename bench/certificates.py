"""Certificate of attendance: time to make one PDF in English, Arabic and Chinese, and its size.

    .venv/bin/python bench/certificates.py [--runs 5]

Builds the app with the test settings (no database is touched: the certificate's text is given), then
for each language renders `--runs` certificates with different verification codes (so the per-worker
cache of `certificate_pdf.render` does not answer) and prints the first (fonts read cold), the median
and the size. A repeated download of the same certificate is answered from that cache.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaigns.lectures.certificate_pdf import CertificateText, render  # noqa: E402
from config import TestingConfig  # noqa: E402
from marketplace import create_app  # noqa: E402

SAMPLES = (
    ("en", "ltr", "Amina Yusuf", "Product photos that sell on phones", "Selling to China"),
    ("ar", "rtl", "أمينة يوسف", "الشحن إلى الصين خطوة بخطوة", "الاستعداد للمهرجان"),
    ("zh", "ltr", "阿米娜·优素福", "在手机上卖得好的商品照片", "向中国销售"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    app = create_app(TestingConfig)
    print(f"{'language':<9} {'first ms':>9} {'median ms':>10} {'size KB':>8}")
    with app.test_request_context("/en/"):
        for language, direction, name, title, series in SAMPLES:
            times, size = [], 0
            for run in range(runs):
                code = f"{run:024d}"
                text = CertificateText(language, direction, name, title, series, "Amina Yusuf",
                                       datetime(2031, 5, 20, 9, tzinfo=UTC), "Africa/Cairo", 85, code,
                                       f"https://shop.example.org/{language}/certificates/{code}")
                started = time.perf_counter()
                size = len(render(text))
                times.append(time.perf_counter() - started)
            print(f"{language:<9} {times[0] * 1000:>9.0f} {statistics.median(times) * 1000:>10.0f} {size / 1024:>8.0f}")


if __name__ == "__main__":
    main()
