"""Detectors for personal information, checked with generated valid and invalid values, and
the column scan on a small GB18030 table."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pytest

from portal.privacy import (
    BY_NAME,
    DETECTORS,
    find_matches,
    is_resident_id,
    is_social_credit_code,
    mask,
    mask_text,
    scan_table,
)

CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """Computed apart from the module under test: weights 2^(17-i) mod 11."""
    return CHECK[sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17)) % 11]


def make_id(rng: random.Random, born: date, province: str = "42") -> str:
    first17 = f"{province}0102{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_character(first17)


def ids_ending_in(check: str, rng: random.Random) -> str:
    while True:
        value = make_id(rng, date(1950, 1, 1) + timedelta(days=rng.randint(0, 25000)))
        if value[-1] == check:
            return value


def luhn_complete(body: str) -> str:
    for digit in "0123456789":
        number = body + digit
        total = 0
        for i, c in enumerate(reversed(number)):
            d = int(c) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return number
    raise AssertionError


def detectors_in(text: str, hints: frozenset[str] = frozenset()) -> set[str]:
    return {m.detector for m in find_matches(text, hints)}


@pytest.mark.parametrize("check", list("0123456789X"))
def test_a_valid_resident_id_is_found_whatever_its_check_character(check):
    rng = random.Random(check)
    for _ in range(20):
        value = ids_ending_in(check, rng)
        assert detectors_in(value) == {"resident_id"}, value


def test_the_standard_example_id_with_x_is_found_in_either_case():
    assert detectors_in("11010519491231002X") == {"resident_id"}
    assert detectors_in("11010519491231002x") == {"resident_id"}


def test_an_id_with_a_wrong_check_character_is_not_flagged():
    rng = random.Random(1)
    for _ in range(200):
        value = make_id(rng, date(1960, 1, 1) + timedelta(days=rng.randint(0, 20000)))
        for wrong in (c for c in CHECK if c != value[-1]):
            assert "resident_id" not in detectors_in(value[:-1] + wrong)


@pytest.mark.parametrize("born", ["19900230", "19901301", "18991231", "20991231"])
def test_an_id_with_an_impossible_or_future_birth_date_is_not_flagged(born):
    first17 = f"420102{born}123"
    assert not is_resident_id(first17 + check_character(first17))


def test_an_id_born_today_is_valid_and_one_born_tomorrow_is_not():
    rng = random.Random(2)
    assert is_resident_id(make_id(rng, date.today()))
    assert not is_resident_id(make_id(rng, date.today() + timedelta(days=1)))


def test_an_id_with_an_unknown_province_code_is_not_flagged():
    rng = random.Random(3)
    for province in ("00", "10", "16", "24", "38", "55", "66", "72", "83", "99"):
        assert not is_resident_id(make_id(rng, date(1985, 6, 1), province))


def test_a_legacy_15_digit_id_is_found_and_one_with_a_bad_date_is_not():
    assert detectors_in("430102850630123") == {"resident_id"}
    assert detectors_in("430102851330123") == set()
    assert detectors_in("990102850630123") == set()


def test_an_id_inside_a_chinese_sentence_is_found():
    value = ids_ending_in("X", random.Random(4))
    assert detectors_in(f"申请人身份证号码为{value}，已核验。") == {"resident_id"}


@pytest.mark.parametrize("text", [
    "13812345678", "+8613812345678", "+86 13812345678", "0086-13812345678",
    "138-1234-5678", "+86 138 1234 5678", "19912345678",
])
def test_a_mobile_number_is_found_in_its_usual_forms(text):
    assert detectors_in(text) == {"mobile"}


def test_a_mobile_number_inside_a_chinese_sentence_is_found():
    matches = find_matches("如有疑问请联系王老师，手机13912345678（工作日）。")
    assert [(m.detector, m.text) for m in matches] == [("mobile", "13912345678")]


def test_full_width_digits_are_read_as_digits():
    text = "联系电话：１３８１２３４５６７８，身份证１１０１０５１９４９１２３１００２Ｘ。"
    matches = find_matches(text)
    assert [(m.detector, m.text) for m in matches] == [
        ("mobile", "13812345678"), ("resident_id", "11010519491231002X")]
    assert mask_text(text) == "联系电话：138****5678，身份证110105********002X。"


@pytest.mark.parametrize("text", [
    "138123456789", "013812345678", "12812345678", "1381234567", "8613812345678",
    "订单号2138123456789", "A13812345678",
])
def test_a_longer_or_shorter_digit_run_is_not_a_mobile_number(text):
    assert "mobile" not in detectors_in(text)


def test_a_luhn_valid_card_number_is_found_and_an_invalid_one_is_not():
    rng = random.Random(5)
    for length in (16, 17, 18, 19):
        for prefix in ("622202", "621700", "436742"):
            body = prefix + "".join(rng.choice("0123456789") for _ in range(length - 7))
            number = luhn_complete(body)
            assert detectors_in(number) == {"bank_card"}, number
            broken = number[:-1] + str((int(number[-1]) + 1) % 10)
            assert "bank_card" not in detectors_in(broken)


def test_a_card_number_written_in_groups_of_four_is_found():
    number = luhn_complete("622202123456789012")
    grouped = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    assert detectors_in(f"卡号：{grouped}") == {"bank_card"}


def test_a_valid_id_is_an_id_and_not_a_card_even_when_it_passes_luhn():
    rng = random.Random(6)
    both = next(v for v in (ids_ending_in("1", rng) for _ in range(500))
                if luhn_complete(v[:-1]) == v)
    assert detectors_in(both) == {"resident_id"}
    assert scan_table(["银行卡号"], [[both]]).columns[0].findings[0].detector == "bank_card"
    assert scan_table(["IDCard"], [[both]]).columns[0].findings[0].detector == "resident_id"


def test_unified_social_credit_codes_are_not_flagged():
    for code in ("91350100M000100Y43", "91110108551385082Q"):
        assert is_social_credit_code(code)
        assert find_matches(f"统一社会信用代码：{code}") == []


def test_an_all_digit_code_valid_both_ways_is_an_id_unless_the_header_names_a_credit_code():
    value = "120803195610144064"
    assert is_social_credit_code(value) and is_resident_id(value)
    flagged = scan_table(["备注"], [[value]])
    assert flagged.columns[0].findings[0].detector == "resident_id"
    assert scan_table(["统一社会信用代码"], [[value]]).columns[0].findings == []


@pytest.mark.parametrize("text", [
    "20240101123045123", "202401011230451234", "1704067200000", "110101001001",
    "12345678-9", "12345678.90", "DD20240101000123",
])
def test_timestamps_order_numbers_and_statistical_codes_are_not_flagged(text):
    assert find_matches(text) == []


def test_email_passport_and_travel_permits_are_found():
    assert detectors_in("联系邮箱 zhang.san@example.com.cn") == {"email"}
    assert detectors_in("E12345678") == {"passport"}
    assert detectors_in("EA1234567") == {"passport"}
    assert detectors_in("G12345678") == {"passport"}
    for permit in ("H12345678", "M1234567890", "C12345678", "CA1234567", "L12345678"):
        assert detectors_in(permit) == {"travel_permit"}, permit
    assert detectors_in("XE12345678") == set()


def test_a_taiwan_permit_is_only_recognised_under_a_permit_header():
    assert scan_table(["编号"], [["12345678"]]).columns[0].findings == []
    found = scan_table(["台胞证号码"], [["12345678"]]).columns[0].findings
    assert [f.detector for f in found] == ["travel_permit"]


def test_licence_plates_and_home_addresses_are_warnings():
    assert detectors_in("车主车辆浙A12345已登记") == {"licence_plate"}
    assert detectors_in("沪AD12345") == {"licence_plate"}
    assert detectors_in("家住解放路12号3栋2单元501室") == {"address"}
    assert detectors_in("幸福小区5栋1203室") == {"address"}
    assert detectors_in("福州市中山路1号") == set()
    report = scan_table(["住址"], [["解放路12号3栋501室"]])
    assert report.columns[0].findings[0].severity == "warn" and not report.blocked


def test_site_filing_numbers_are_neither_plates_nor_personal():
    for text in ("京ICP备12345678号", "闽公网安备 35010202000123号", "粤B2-20090059"):
        assert find_matches(text) == []


def test_each_detector_finds_only_its_own_kind():
    text = "电话13812345678，身份证11010519491231002X，邮箱li@example.cn，车牌浙A12345"
    assert BY_NAME["mobile"].find(text) == ["13812345678"]
    assert BY_NAME["resident_id"].find(text) == ["11010519491231002X"]
    assert BY_NAME["email"].find(text) == ["li@example.cn"]
    assert BY_NAME["licence_plate"].find(text) == ["浙A12345"]
    assert {d.severity for d in DETECTORS if d.name in ("licence_plate", "address")} == {"warn"}
    assert {d.severity for d in DETECTORS if d.name not in ("licence_plate", "address")} == {
        "block"}


def test_mask_keeps_the_first_six_and_last_four_characters():
    assert mask("420102199001011234") == "420102********1234"
    assert mask("13812345678") == "138****5678"
    assert mask("zhangsan@example.com") == "z*******@example.com"
    assert "*" * 4 in mask("E12345678")


def test_hash_masking_needs_a_key_and_is_stable_per_value():
    with pytest.raises(ValueError):
        mask("420102199001011234", "hash")
    first = mask("420102199001011234", "hash", key=b"k")
    assert first == mask("420102199001011234", "hash", key=b"k")
    assert first != mask("420102199001011235", "hash", key=b"k")
    assert first != mask("420102199001011234", "hash", key=b"other")
    assert "4201" not in first


def test_mask_text_masks_personal_values_inside_a_sentence():
    masked = mask_text("联系人手机13812345678，邮箱li@example.cn")
    assert masked == "联系人手机138****5678，邮箱l***@example.cn"


def gb18030_table() -> tuple[list[str], list[list[str]]]:
    rng = random.Random(7)
    ids = [ids_ending_in(c, rng) for c in "X0123"]
    rows = [
        [f"张{n}", ids[i], f"139{i:04d}{i:04d}", "91350100M000100Y43",
         f"{1000 + i}.50", "已办结" if i % 2 else f"请致电13{i + 5}12345678咨询",
         f"解放路{i + 1}号{i + 2}栋{i + 1}01室"]
        for i, n in enumerate("伟芳娜敏静")
    ]
    head = ["姓名", "身份证号码", "联系电话", "统一社会信用代码", "金额（元）", "备注", "住址"]
    text = "\r\n".join(",".join(r) for r in [head, *rows])
    reader = csv.reader(io.StringIO(text.encode("gb18030").decode("gb18030")))
    header, *body = list(reader)
    return header, body


def test_a_chinese_table_is_reported_column_by_column_with_masked_samples():
    header, rows = gb18030_table()
    report = scan_table(header, rows)
    by_header = {c.header: c.findings for c in report.columns}
    assert report.blocked and report.complete and report.rows_scanned == 5
    ids = by_header["身份证号码"]
    assert [(f.detector, f.count, f.share) for f in ids] == [("resident_id", 5, 1.0)]
    assert len(ids[0].samples) == 3
    assert all(s[6:14] == "*" * 8 and s[:6] == "420102" for s in ids[0].samples)
    assert [(f.detector, f.count) for f in by_header["联系电话"]] == [("mobile", 5)]
    assert [(f.detector, f.count, f.share) for f in by_header["备注"]] == [("mobile", 3, 0.6)]
    assert [(f.detector, f.severity) for f in by_header["住址"]] == [("address", "warn")]
    for clean in ("姓名", "统一社会信用代码", "金额（元）"):
        assert by_header[clean] == []
    columns = report.as_dict()["columns"]
    assert [c["header"] for c in columns] == ["身份证号码", "联系电话", "备注", "住址"]


def test_a_scan_stops_at_its_row_cap_or_time_budget_and_says_so():
    rows = [["13812345678"]] * 3000
    capped = scan_table(["电话"], rows, max_rows=100)
    assert capped.rows_scanned == 100 and not capped.complete
    assert capped.columns[0].findings[0].count == 100
    out_of_time = scan_table(["电话"], rows, time_budget=0)
    assert out_of_time.rows_scanned < 3000 and not out_of_time.complete
    assert scan_table(["电话"], rows).complete


def test_numbers_read_from_a_spreadsheet_are_scanned_as_their_digits():
    report = scan_table(["手机", "数量", "空"], [[13812345678, 3.0, None], [13912345678.0, 1, ""]])
    assert [(f.detector, f.count) for f in report.columns[0].findings] == [("mobile", 2)]
    assert report.columns[1].findings == [] and report.columns[2].findings == []
