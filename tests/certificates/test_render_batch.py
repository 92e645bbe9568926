"""Tests for certificates.batch: ZIP and multi-page batches on a process pool, PDF merging, the
off-loop helpers and the ``certificates render`` command."""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import re
import zipfile

import msgspec
import pypdf
import pypdfium2
import pytest
import zxingcpp

from certificates import batch
from certificates.batch import (
    merge_pdfs,
    register,
    render_async,
    render_batch,
    render_in_worker_thread,
    render_many_async,
    render_pdf,
    render_zip,
    zip_member_names,
)
from certificates.pdf import CertificateRenderError, CertificateView, render_certificate, render_many


def qr_text(seed: str) -> str:
    envelope = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(6))[:170]
    return "HTTP://127.0.0.1:8000/C/" + base64.b32encode(envelope).decode().rstrip("=")


def view(i: int, kind: str = "skill_level", **kw) -> CertificateView:
    common = dict(certificate_number=f"S0001370800012530{i:05d}", issue_date="2025年6月30日",
                  issuer="济宁市技师学院", qr_text=qr_text(str(i)), verification_code=f"CODE-{i:04d}")
    if kind == "skill_level":
        fields = dict(common, kind=kind, name=f"学员{i}号" if i % 5 else "王𠮷", id_type="居民身份证",
                      id_number="370***********1234", occupation="电工", level="四级/中级工")
    else:
        fields = dict(common, kind=kind, competition="济宁市职业院校技能大赛", event="电子产品设计与制作",
                      award="二等奖", members=(f"选手{i}",))
    fields.update(kw)
    return CertificateView(**fields)


def views(n: int) -> list[CertificateView]:
    return [view(i, "award" if i % 3 == 2 else "skill_level") for i in range(n)]


def pdf_pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data), strict=True).pages]


def test_zip_with_process_pool_holds_one_pdf_per_certificate(tmp_path):
    vs = views(9)
    seen = []
    out = tmp_path / "out.zip"
    assert render_zip(vs, out, workers=2, chunk_size=2, progress=lambda d, t: seen.append((d, t))) == 9
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names == [f"{v.certificate_number}.pdf" for v in vs]
        for v, name in zip(vs, names):
            data = zf.read(name)
            assert data == render_certificate(v)  # same bytes as rendering alone
            (text,) = pdf_pages(data)
            assert v.certificate_number in text
    assert seen[-1] == (9, 9)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert not list(tmp_path.glob(".out.zip.*"))  # temporary file renamed away


def test_zip_is_deterministic_whatever_the_workers():
    vs = views(5)
    one, two = io.BytesIO(), io.BytesIO()
    render_zip(vs, one, workers=1)
    render_zip(vs, two, workers=2, chunk_size=1)
    assert one.getvalue() == two.getvalue()


def test_zip_member_names_are_safe_and_unique():
    vs = [view(1, certificate_number="S/../../etc 01"), view(2, certificate_number="S/../../etc 01"),
          view(3, certificate_number="S0001"), view(4, certificate_number="s0001")]
    assert zip_member_names(vs) == ["S_.._.._etc_01.pdf", "S_.._.._etc_01-2.pdf", "S0001.pdf", "s0001-2.pdf"]


def test_multi_page_pdf_from_merged_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "PDF_CHUNK", 3)  # 8 pages -> 3 merged parts
    vs = views(8)
    out1, out2 = tmp_path / "one.pdf", tmp_path / "two.pdf"
    assert render_pdf(vs, out1, workers=1) == 8
    render_pdf(vs, out2, workers=2)
    data = out1.read_bytes()
    assert out2.read_bytes() == data  # independent of the number of workers
    texts = pdf_pages(data)
    assert len(texts) == 8
    for v, text in zip(vs, texts):
        assert v.certificate_number in text
        assert text.startswith(v.title)
    assert "王𠮷" in texts[0]  # fallback font survives merging, text still extractable

    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    base_fonts = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
            base_fonts.append((str(font["/BaseFont"]), ref.idnum))
    # one font object per part and subset; distinct objects never share a subset name
    names_by_obj = dict((idnum, name) for name, idnum in base_fonts)
    assert len(set(names_by_obj.values())) == len(names_by_obj)

    doc = pypdfium2.PdfDocument(data)
    assert len(doc) == 8
    img = doc[7].render(scale=150 / 72).to_pil()  # a page from the last merged part
    assert [r.text for r in zxingcpp.read_barcodes(img)] == [vs[7].qr_text]


def test_merge_pdfs_matches_render_many_page_for_page():
    a, b = views(2), views(5)[2:]
    merged = merge_pdfs([render_many(a), render_many(b)])
    assert pdf_pages(merged) == pdf_pages(render_many(a + b))


def test_merge_pdfs_rejects_foreign_input():
    with pytest.raises(ValueError):
        merge_pdfs([b"%PDF-1.7\nnot really\n", b"x"])


def test_render_batch_dispatches_on_suffix(tmp_path):
    vs = views(2)
    assert render_batch(vs, tmp_path / "a.PDF", workers=1) == 2
    assert len(pdf_pages((tmp_path / "a.PDF").read_bytes())) == 2
    assert render_batch(vs, tmp_path / "a.zip", workers=1) == 2
    with pytest.raises(ValueError):
        render_batch(vs, tmp_path / "a.tar")


def test_render_error_names_the_certificate(tmp_path):
    vs = views(3) + [view(99, photo=b"broken")]
    with pytest.raises(CertificateRenderError, match="S000137080001253000099"):
        render_zip(vs, tmp_path / "x.zip", workers=1)
    with pytest.raises(CertificateRenderError, match="S000137080001253000099"):
        render_pdf(vs, tmp_path / "x.pdf", workers=1)
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


async def test_render_async_does_not_block_the_loop():
    v = view(7)
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    try:
        results = await asyncio.gather(*(render_async(v) for _ in range(4)))
        many = await render_many_async([v, view(8)])
    finally:
        task.cancel()
    assert ticks > 5
    assert all(r == render_certificate(v) for r in results)
    assert len(pdf_pages(many)) == 2
    assert render_in_worker_thread(v).result(timeout=60) == results[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jineng")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cli_renders_zip_and_pdf(tmp_path, capsys):
    vs = views(4)
    src = tmp_path / "views.json"
    src.write_bytes(msgspec.json.encode(vs))
    for out in ("out.zip", "out.pdf"):
        args = _parser().parse_args(["certificates", "render", "--input", str(src),
                                     "--output", str(tmp_path / out), "--workers", "1"])
        assert args.func(args) == 0
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert len(zf.namelist()) == 4
    assert len(pdf_pages((tmp_path / "out.pdf").read_bytes())) == 4
    assert re.search(r"wrote 4 certificate", capsys.readouterr().err)


def test_cli_rejects_bad_input(tmp_path, capsys):
    src = tmp_path / "views.json"
    cases = [b"not json", b'[{"kind": "skill_level"}]', b"[]"]
    for content in cases:
        src.write_bytes(content)
        args = _parser().parse_args(["certificates", "render", "--input", str(src),
                                     "--output", str(tmp_path / "o.zip")])
        assert args.func(args) == 2
    args = _parser().parse_args(["certificates", "render", "--input", str(tmp_path / "missing.json"),
                                 "--output", str(tmp_path / "o.zip")])
    assert args.func(args) == 2
    args = _parser().parse_args(["certificates", "render", "--input", str(src),
                                 "--output", str(tmp_path / "o.txt")])
    assert args.func(args) == 2
    assert not (tmp_path / "o.zip").exists()
