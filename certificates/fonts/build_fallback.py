"""Rebuild ``JinengHanFallback.ttf``, the per-glyph fallback face for rare name characters.

This is a maintainer's script, not part of the runtime: the certificate renderer only reads the finished
font files in this folder.  It needs fontTools, which is *not* a project dependency; run it from a
throwaway virtualenv::

    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    apt-get download fonts-arphic-uming fonts-hanazono      # Debian packages
    dpkg-deb -x fonts-arphic-uming_*.deb x && dpkg-deb -x fonts-hanazono_*.deb x
    /tmp/ft/bin/python certificates/fonts/build_fallback.py \
        x/usr/share/fonts/truetype/arphic/uming.ttc \
        x/usr/share/fonts/truetype/hanazono/HanaMinA.ttf \
        certificates/fonts/JinengHanFallback.ttf

What it does: keeps from HanaMinA (GlyphWiki's Hanazono Mincho A, 20170904) only the code points in the
Han/CJK ranges below that AR PL UMing CN (face 0 of uming.ttc, the main face) does *not* have, drops
hinting and OpenType layout tables (reportlab uses neither), and renames the family so that no reserved
font name of the OFL option is used.  The subset is distributed under the Hanazono Font License (see
LICENSE-Hanazono.txt), which allows modification and redistribution without conditions.
"""

from __future__ import annotations

import sys

# Unicode ranges the fallback may fill: Latin extensions and punctuation that names or organisation
# names might carry, CJK radicals/symbols/kana/bopomofo/enclosed forms, every CJK ideograph block
# (URO, Ext A-G, compatibility) and full-width forms.
RANGES = [
    (0x0100, 0x036F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x2100, 0x214F),
    (0x2E80, 0x2FDF), (0x2FF0, 0x2FFF), (0x3000, 0x33FF), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
    (0x20000, 0x3134F),
]

FAMILY = "Jineng Han Fallback"
PS_NAME = "JinengHanFallback"


def main(argv: list[str]) -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    if len(argv) != 3:
        print(__doc__)
        return 2
    uming_path, hana_path, out_path = argv
    main_cmap = set(TTCollection(uming_path).fonts[0].getBestCmap())
    font = TTFont(hana_path, recalcTimestamp=False)
    wanted = sorted(
        cp for cp in font.getBestCmap()
        if cp not in main_cmap and any(lo <= cp <= hi for lo, hi in RANGES)
    )
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = []
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.drop_tables += ["FFTM", "prop", "BASE", "GSUB", "GPOS", "GDEF"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=wanted)
    sub.subset(font)

    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17):
            name.removeNames(nameID=rec.nameID)
    name.setName(FAMILY, 1, 3, 1, 0x409)
    name.setName(f"{PS_NAME}-subset-of-HanaMinA-20170904", 3, 3, 1, 0x409)
    name.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    name.setName(PS_NAME, 6, 3, 1, 0x409)
    name.setName(
        "Subset of HanaMinA (GlyphWiki Project) made for Jineng; Hanazono Font License "
        "(free use, copy, modification, redistribution) or SIL OFL 1.1",
        13, 3, 1, 0x409,
    )
    font.save(out_path)
    print(f"{out_path}: {len(wanted)} code points")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
