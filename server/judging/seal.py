"""The sealed code ↔ entry mapping (加密): AEAD per layer, keys from the encryption officer's passphrase.

The draw produces up to three mappings, each one layer of the blind codes (docs/judging.md):

    work_code → station        (only when the event uses work-product codes, 三次加密)
    station → draw_number      (二次加密: the station drawn at check-in)
    draw_number → entry        (the draw number drawn for each entry)

Each mapping is encrypted with ChaCha20-Poly1305 under its own key; the keys come from the passphrase
through scrypt (a memory-hard KDF: guessing a passphrase costs ~64 MB and ~0.1 s per try) and HKDF with
the layer's name. The associated data binds a ciphertext to its event and layer, so a layer cannot be
swapped for another event's or another layer's. The passphrase is never stored; the server keeps only
the salt, the KDF parameters and the ciphertexts. Opening a layer with a wrong passphrase fails the AEAD
tag (``WrongPassphrase``): there is no other check to attack.

All of this is CPU work: callers run it off the event loop (``asyncio.to_thread``).
"""

from __future__ import annotations

import base64
import os

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

LAYERS = ("work_code", "station", "draw_number")  # outermost first; each opens to the layer beneath
MIN_PASSPHRASE = 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1


class WrongPassphrase(Exception):
    pass


class SealedLayer(msgspec.Struct):
    nonce: str
    ciphertext: str


class Sealed(msgspec.Struct):
    format: str
    salt: str
    n: int
    r: int
    p: int
    layers: dict[str, SealedLayer]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _master(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _layer_key(master: bytes, layer: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"jineng judging layer {layer}".encode()).derive(master)


def _aad(event_id: int, layer: str) -> bytes:
    return f"jineng.seal/1 event {event_id} layer {layer}".encode()


def _cost() -> int:
    # JINENG_PASSWORD_PROFILE=test (the test suite only) makes the KDF cheap, as for passwords
    return 2**12 if os.environ.get("JINENG_PASSWORD_PROFILE") == "test" else SCRYPT_N


def seal(passphrase: str, event_id: int, mappings: dict[str, dict[str, str]]) -> str:
    """Encrypt each layer's mapping; returns the JSON kept in ``judging_event.sealed``."""
    salt, n = os.urandom(16), _cost()
    master = _master(passphrase, salt, n, SCRYPT_R, SCRYPT_P)
    layers = {}
    for layer, mapping in mappings.items():
        nonce = os.urandom(12)
        plaintext = msgspec.json.encode(dict(sorted(mapping.items())))
        ciphertext = ChaCha20Poly1305(_layer_key(master, layer)).encrypt(nonce, plaintext, _aad(event_id, layer))
        layers[layer] = SealedLayer(_b64(nonce), _b64(ciphertext))
    return msgspec.json.encode(Sealed("jineng.seal/1", _b64(salt), n, SCRYPT_R, SCRYPT_P, layers)).decode()


def open_layer(passphrase: str, event_id: int, sealed: str, layer: str) -> dict[str, str]:
    """One layer's mapping, or ``WrongPassphrase``."""
    box = msgspec.json.decode(sealed, type=Sealed)
    master = _master(passphrase, base64.b64decode(box.salt), box.n, box.r, box.p)
    part = box.layers[layer]
    try:
        plaintext = ChaCha20Poly1305(_layer_key(master, layer)).decrypt(
            base64.b64decode(part.nonce), base64.b64decode(part.ciphertext), _aad(event_id, layer))
    except InvalidTag:
        raise WrongPassphrase() from None
    return msgspec.json.decode(plaintext, type=dict[str, str])


def layers_of(sealed: str) -> list[str]:
    """The layers this seal holds, outermost first."""
    held = msgspec.json.decode(sealed, type=Sealed).layers
    return [layer for layer in LAYERS if layer in held]
