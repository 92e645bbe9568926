"""Tests for certificates.pdf (with layout, typeset, view): printed fields, embedded fonts, rare-character
fallback, QR round trips, document metadata.

The rendering cases of docs/certificates.md (rare characters, embedded fonts, the QR decoded from the PDF, version 12), plus determinism, input
validation and hostile characters (case 35, PDF side).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import msgspec
import pypdf
import pypdfium2
import pytest
import qrcode
import qrcode.util
import zxingcpp
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_Q

from certificates import layout, pdf, qr, typeset
from certificates.pdf import (
    CertificateRenderError,
    CertificateView,
    missing_glyphs,
    qr_symbol,
    render_certificate,
    render_many,
)

REPO = Path(__file__).resolve().parents[2]
STANDARD_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica", "Helvetica-Bold",
    "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold", "Times-Italic",
    "Times-BoldItalic", "Symbol", "ZapfDingbats",
}


def qr_text(seed: str = "one") -> str:
    """A realistic QR text: uppercase URL + unpadded Base32 of a ~170-byte signed envelope."""
    envelope = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(6))[:170]
    return "HTTP://127.0.0.1:8000/C/" + base64.b32encode(envelope).decode().rstrip("=")


def jpeg_photo() -> bytes:
    im = Image.new("RGB", (295, 413), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.ellipse((80, 60, 215, 220), fill=(200, 170, 150))
    d.rectangle((50, 240, 245, 413), fill=(40, 60, 110))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def png_photo() -> bytes:
    im = Image.new("RGBA", (200, 280), (255, 255, 255, 0))
    ImageDraw.Draw(im).ellipse((40, 40, 160, 200), fill=(90, 120, 160, 255))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def skill(**kw) -> CertificateView:
    fields = dict(
        kind="skill_level", certificate_number="S000137080001253000123", issue_date="2025年6月30日",
        issuer="济宁市技师学院职业技能等级认定中心", qr_text=qr_text(), verification_code="7K3M-9QXP-2HDA",
        query_url="HTTP://127.0.0.1:8000/V", name="王小明", id_type="居民身份证",
        id_number="370***********1234", occupation="电工", work_type="--", level="三级/高级工",
    )
    fields.update(kw)
    return CertificateView(**fields)


def award(**kw) -> CertificateView:
    fields = dict(
        kind="award", certificate_number="JN-2025-JS-000123", issue_date="2025年5月20日",
        issuer="济宁市教育局", qr_text=qr_text("award"), verification_code="A1B2-C3D4-E5F6",
        competition="济宁市职业院校技能大赛", edition="2025年", organizers=("济宁市教育局", "济宁市人力资源和社会保障局"),
        event="电子产品设计与制作", group="中职组", award="一等奖", members=("张堃", "李喆", "赵子龙"),
        coaches=("孙丽", "周强"),
    )
    fields.update(kw)
    return CertificateView(**fields)


def page_text(data: bytes, page: int = 0) -> str:
    return pypdf.PdfReader(io.BytesIO(data)).pages[page].extract_text()


def labelled(text: str, labels: list[str]) -> dict[str, str]:
    """Map each printed label to the rest of its line."""
    out = {}
    for line in text.splitlines():
        for label in labels:
            if line.startswith(label):
                out[label] = line[len(label):].strip()
    return out


def render_png(data: bytes, dpi: int, page: int = 0) -> Image.Image:
    return pypdfium2.PdfDocument(data)[page].render(scale=dpi / 72).to_pil().convert("L")


def decode(img: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(img) if r.format == zxingcpp.BarcodeFormat.QRCode]


def font_dicts(data: bytes) -> list[pypdf.generic.DictionaryObject]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = []
    for num in range(1, reader.trailer["/Size"]):
        try:
            obj = reader.get_object(num)
        except Exception:
            continue
        if isinstance(obj, pypdf.generic.DictionaryObject) and obj.get("/Type") == "/Font":
            fonts.append(obj)
    return fonts


# ---------------------------------------------------------------------------------------------- fields


SKILL_LABELS = ["姓　　名", "证件类型", "证件号码", "职业名称", "工种/职业方向", "职业技能等级", "证书编号",
                "评价机构名称", "发证日期"]


def test_skill_level_prints_exactly_the_given_fields():
    view = skill()
    text = page_text(render_certificate(view))
    assert text.startswith("职业技能等级证书")
    assert labelled(text, SKILL_LABELS) == {
        "姓　　名": "王小明",
        "证件类型": "居民身份证",
        "证件号码": "370***********1234",
        "职业名称": "电工",
        "工种/职业方向": "--",
        "职业技能等级": "三级/高级工",
        "证书编号": "S000137080001253000123",
        "评价机构名称": "济宁市技师学院职业技能等级认定中心",
        "发证日期": "2025年6月30日",
    }
    assert "验证码 7K3M-9QXP-2HDA" in text
    assert "查询网址：HTTP://127.0.0.1:8000/V" in text
    assert "照片" in text  # placeholder box when there is no photo
    assert len(pypdf.PdfReader(io.BytesIO(render_certificate(view))).pages) == 1


def test_award_prints_exactly_the_given_fields():
    text = page_text(render_certificate(award()))
    assert text.startswith("获奖证书")
    assert "2025年济宁市职业院校技能大赛" in text
    labels = ["赛　　项", "组　　别", "获奖等次", "参赛选手", "指导教师", "主办单位", "证书编号", "颁发单位", "发证日期"]
    assert labelled(text, labels) == {
        "赛　　项": "电子产品设计与制作",
        "组　　别": "中职组",
        "获奖等次": "一等奖",
        "参赛选手": "张堃、李喆、赵子龙",
        "指导教师": "孙丽、周强",
        "主办单位": "济宁市教育局、济宁市人力资源和社会保障局",
        "证书编号": "JN-2025-JS-000123",
        "颁发单位": "济宁市教育局",
        "发证日期": "2025年5月20日",
    }
    assert "验证码 A1B2-C3D4-E5F6" in text


def test_page_is_a4():
    box = pypdf.PdfReader(io.BytesIO(render_certificate(skill()))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_long_values_wrap_and_keep_every_character():
    issuer = "济宁市某某职业技术学院（济宁市某某高级技工学校）职业技能等级认定评价中心第二考点办公室"
    members = tuple(f"成员{i}号选手" for i in range(12))
    data = render_certificate(skill(issuer=issuer))
    assert issuer in re.sub(r"\s", "", page_text(data))
    data = render_certificate(award(members=members, competition="第一届全国技能大赛" * 5))
    assert "、".join(members) in re.sub(r"\s", "", page_text(data))
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1


def test_photo_jpeg_and_png_are_drawn():
    for photo in (jpeg_photo(), png_photo()):
        data = render_certificate(skill(photo=photo))
        page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
        assert len(page.images) >= 1
        assert "照片" not in page.extract_text()


def test_unreadable_photo_is_an_error():
    with pytest.raises(CertificateRenderError):
        render_certificate(skill(photo=b"not an image"))


def test_render_many_gives_one_page_per_view():
    views = [skill(name=n) for n in ("甲一", "乙二", "丙三")] + [award()]
    data = render_many(views)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 4
    assert "甲一" in reader.pages[0].extract_text()
    assert "丙三" in reader.pages[2].extract_text()
    assert reader.pages[3].extract_text().startswith("获奖证书")
    with pytest.raises(ValueError):
        render_many([])


# ---------------------------------------------------------------------------------------------- fonts


def test_every_font_is_an_embedded_truetype_subset():
    data = render_many([skill(name="王𠮷䶮堃喆", photo=jpeg_photo()), award()])
    fonts = font_dicts(data)
    assert fonts
    for font in fonts:
        base = str(font["/BaseFont"]).lstrip("/")
        assert base not in STANDARD_14
        assert font["/Subtype"] == "/TrueType"
        assert re.match(r"[A-Z]{6}\+", base), base  # subset tag
        desc = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in desc, base
        assert len(desc["/FontFile2"].get_object().get_data()) > 1000
    # and nothing on the page refers to a font that is not in the document
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            assert "/FontFile2" in ref.get_object()["/FontDescriptor"].get_object()


def test_rare_name_characters_use_the_embedded_fallback_font():
    name = "王𠮷䶮堃喆"
    assert missing_glyphs(name) == set()
    data = render_certificate(skill(name=name))
    assert labelled(page_text(data), ["姓　　名"]) == {"姓　　名": name}

    seen: dict[str, str] = {}

    def visit(text, cm, tm, font_dict, font_size):
        if font_dict is not None:
            for ch in text:
                seen.setdefault(ch, str(font_dict["/BaseFont"]))

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    assert "JinengHanFallback" in seen["𠮷"]  # U+20BB7: Ext B, not in UMing
    for ch in "王䶮堃喆":
        assert "UMingCN" in seen[ch], ch
    fallback = [f for f in font_dicts(data) if "JinengHanFallback" in str(f["/BaseFont"])]
    assert fallback and all("/FontFile2" in f["/FontDescriptor"].get_object() for f in fallback)


def test_fallback_covers_ext_a_characters_missing_from_the_main_face():
    pdf.register_fonts()
    ext_a = [cp for cp in range(0x3400, 0x4DC0) if cp not in typeset._main_cmap and cp in typeset._fallback_cmap]
    assert len(ext_a) > 5000
    name = "李" + chr(ext_a[0]) + chr(ext_a[-1])
    data = render_certificate(skill(name=name))
    assert labelled(page_text(data), ["姓　　名"]) == {"姓　　名": name}


def test_characters_no_font_has_are_reported_and_refused_in_strict_mode():
    pdf.register_fonts()
    absent = next(chr(cp) for cp in range(0x20000, 0x2A6E0)
                  if cp not in typeset._main_cmap and cp not in typeset._fallback_cmap)
    view = skill(name="张" + absent)
    assert missing_glyphs(view) == {absent}
    render_certificate(view)  # lenient by default: draws the font's empty-box glyph
    with pytest.raises(CertificateRenderError, match=f"U\\+{ord(absent):04X}"):
        render_certificate(view, strict=True)


def test_zero_width_and_bidi_characters_do_not_break_rendering():
    hostile = "张\u200b三\u202e\u2066李\u200f\ufeff四\ufe00"
    data = render_certificate(skill(name=hostile))
    printed = labelled(page_text(data), ["姓　　名"])["姓　　名"]
    assert printed == "张三李四"
    # right-to-left letters themselves: no glyphs in the CJK faces, reported, but rendering works
    rtl = skill(name="阿依古丽·مرحبا שלום")
    assert set("مرحباשלום") <= missing_glyphs(rtl)
    assert "阿依古丽·" in page_text(render_certificate(rtl))
    assert pdf.clean_text("Ａ\u0301\ncafe\u0301") == "Ａ\u0301 café"  # NFC + newline to space


# ---------------------------------------------------------------------------------------------- QR code

QR = qr_text()


def test_realistic_qr_text_fits_version_12_in_alphanumeric_mode():
    assert 280 <= len(QR) <= 300
    m = qr_symbol(skill())
    assert m.version <= 12
    assert m.size == m.version * 4 + 17


def test_page_qr_is_the_qrcode_library_symbol():
    """The PDF draws exactly what qrcode builds (level Q, one alphanumeric segment, its best mask)."""
    rnd = random.Random(5)
    alnum = qrcode.util.ALPHA_NUM.decode()
    texts = [QR, "HTTPS://EXAMPLE.CN/C/ABC", "0123456789" * 9]
    texts += ["".join(rnd.choice(alnum) for _ in range(n)) for n in (1, 2, 7, 60, 221, 296)]
    for text in texts:
        ref = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0)
        ref.add_data(qrcode.util.QRData(text.encode(), mode=qrcode.util.MODE_ALPHA_NUM))
        ref.make(fit=True)
        m = qr_symbol(skill(qr_text=text))
        assert m.version == ref.version, text
        assert [[m.is_dark(i, j) for j in range(m.size)] for i in range(m.size)] == ref.modules, text
        assert m.modules == ref.modules


def test_page_draws_the_modules_of_certificates_qr(monkeypatch):
    """One encoder: rendering takes its modules from certificates.qr.build_qr, nothing else."""
    calls = []
    real = qr.build_qr

    def spy(text, **kw):
        calls.append((text, kw))
        return real(text, **kw)

    monkeypatch.setattr(pdf, "build_qr", spy)
    data = render_certificate(skill())
    assert calls == [(QR, {"max_version": 12})]
    assert decode(render_png(data, 150)) == [QR]


def test_qr_text_that_is_not_a_printable_certificate_qr_is_an_error():
    too_long = "A" * 297  # version 13 at level Q
    assert qr.min_version(too_long) == 13
    for text in (too_long, "A" * 5000, "lowercase https://x.cn/?a=1", "证书 S0001"):
        with pytest.raises(CertificateRenderError, match="QR text"):
            render_certificate(skill(qr_text=text))


@pytest.mark.parametrize("dpi", [150, 300])
def test_pdf_qr_decodes_to_the_exact_text(dpi):
    for view in (skill(photo=jpeg_photo()), award()):
        assert decode(render_png(render_certificate(view), dpi)) == [view.qr_text]


def test_qr_survives_15_percent_blackout_at_150_dpi():
    dpi = 150
    data = render_certificate(skill())
    img = render_png(data, dpi)
    px = dpi / 72
    left = layout.QR_LEFT * px
    top = img.height - (layout.QR_BOTTOM + layout.QR_SIZE) * px
    size = layout.QR_SIZE * px
    side = size * 0.15 ** 0.5  # a square of 15 % of the symbol's area, away from the finder patterns
    x0, y0 = left + size * 0.45, top + size * 0.45
    covered = img.copy()
    ImageDraw.Draw(covered).rectangle((x0, y0, x0 + side, y0 + side), fill=0)
    dark_before = sum(img.crop((x0, y0, x0 + side, y0 + side)).histogram()[:128])
    assert dark_before < side * side * 0.8  # the patch really covered light modules too
    assert decode(covered) == [QR]
    # sanity: the same blackout on half the symbol does defeat it, so the test measures something
    ruined = img.copy()
    ImageDraw.Draw(ruined).rectangle((left + size * 0.3, top + size * 0.3, left + size, top + size), fill=0)
    assert decode(ruined) == []


def test_qr_has_a_white_quiet_zone_of_four_modules():
    dpi = 300
    img = render_png(render_certificate(skill()), dpi)
    px = dpi / 72
    m = qr.build_qr(QR)
    module = layout.QR_SIZE / m.size * px
    left = layout.QR_LEFT * px
    top = img.height - (layout.QR_BOTTOM + layout.QR_SIZE) * px
    size = layout.QR_SIZE * px
    margin = 4 * module
    band = img.crop((int(left - margin + 1), int(top - margin + 1), int(left - 1), int(top + size - 1)))
    assert band.getextrema()[0] > 200  # no dark pixel in the left quiet zone
    assert round(layout.QR_SIZE / 72 * 25.4) == 40  # ~40 mm wide


# ---------------------------------------------------------------------------------------------- determinism & input


def test_same_input_gives_identical_bytes():
    view = skill(name="王𠮷䶮堃喆", photo=png_photo())
    first = render_certificate(view)
    assert render_certificate(view) == first
    assert render_certificate(award()) != first


def test_identical_bytes_across_processes():
    view = skill(name="王𠮷", photo=jpeg_photo())
    payload = msgspec.json.encode(view)
    code = (
        "import sys, msgspec\n"
        "from certificates.pdf import CertificateView, render_certificate\n"
        "v = msgspec.json.decode(sys.stdin.buffer.read(), type=CertificateView)\n"
        "sys.stdout.buffer.write(render_certificate(v))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, env=env,
                         check=True, timeout=120).stdout
    assert out == render_certificate(view)


def test_document_is_dated_by_the_issue_date():
    for view, expected in ((skill(), "D:20250630000000+08'00'"), (award(), "D:20250520000000+08'00'"),
                           (skill(issue_date="二〇二四年十二月三十一日"), "D:20241231000000+08'00'"),
                           (skill(issue_date="30.6.2025", issued_on=dt.date(2025, 7, 1)), "D:20250701000000+08'00'")):
        info = pypdf.PdfReader(io.BytesIO(render_certificate(view))).metadata
        assert (info["/CreationDate"], info["/ModDate"]) == (expected, expected), view.issue_date
    # deterministic: another issue date changes only what depends on it
    first, again = render_certificate(skill()), render_certificate(skill())
    assert first == again
    assert render_certificate(skill(issue_date="2025年7月1日")) != first
    # a multi-page document carries the first certificate's date
    info = pypdf.PdfReader(io.BytesIO(render_many([award(), skill()]))).metadata
    assert info["/CreationDate"] == "D:20250520000000+08'00'"


def test_issue_date_forms_and_agreement():
    from certificates.view import parse_issue_date

    assert parse_issue_date("2025年6月30日") == dt.date(2025, 6, 30)
    assert parse_issue_date("二〇二五年六月三十日") == dt.date(2025, 6, 30)
    assert parse_issue_date("2025-06-30") == dt.date(2025, 6, 30)
    assert parse_issue_date("2025年2月30日") is None and parse_issue_date("六月") is None
    assert skill(issued_on=dt.date(2025, 6, 30)).issue_day == dt.date(2025, 6, 30)
    with pytest.raises(ValueError, match="issued_on"):
        skill(issued_on=dt.date(2025, 7, 1))  # printed 2025年6月30日
    raw = msgspec.json.encode(skill(issued_on=dt.date(2025, 6, 30)))
    assert b'"issued_on":"2025-06-30"' in raw
    assert msgspec.json.decode(raw, type=CertificateView).issued_on == dt.date(2025, 6, 30)


def test_view_validation():
    with pytest.raises(ValueError, match="name"):
        skill(name=" \u200b ")
    with pytest.raises(ValueError, match="members"):
        award(members=())
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"kind": "skill_level"}', type=CertificateView)
    raw = msgspec.json.encode(skill())
    with pytest.raises(msgspec.ValidationError, match="unknown"):
        msgspec.json.decode(raw[:-1] + b',"extra":1}', type=CertificateView)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(raw.replace(b'"skill_level"', b'"diploma"'), type=CertificateView)
    # round trip through JSON (the CLI's input format), photo as base64
    view = skill(photo=jpeg_photo())
    assert msgspec.json.decode(msgspec.json.encode(view), type=CertificateView) == view
