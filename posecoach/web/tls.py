"""`posecoach serve --https`: a self-signed certificate made locally.

Browsers give the camera only to secure pages: https, or http on localhost. A phone on
the LAN opening http://LAPTOP:8000/live is refused the camera, so `--https` serves over
TLS with a certificate made here (nothing is downloaded). It is kept in the data folder
and reused while it is valid and names the addresses asked for; the phone shows a warning
once ("not private"), which the runner accepts for this address.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

from posecoach.errors import ConfigError

CERT_NAME, KEY_NAME = "cert.pem", "key.pem"
VALID_DAYS = 365


def lan_addresses() -> list[str]:
    """This machine's LAN addresses as far as they can be found without the network."""
    found: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    try:  # the address a route to the LAN would use (no packet is sent for UDP connect)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.168.255.255", 9))
            found.add(probe.getsockname()[0])
    except OSError:
        pass
    return sorted(a for a in found if not ipaddress.ip_address(a).is_loopback)


def _names_for(host: str) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) the certificate should name."""
    dns, ips = ["localhost"], ["127.0.0.1", "::1"]
    wanted = lan_addresses() if host in ("0.0.0.0", "::", "") else [host]
    for name in wanted:
        try:
            ipaddress.ip_address(name.strip("[]"))
            ips.append(name.strip("[]"))
        except ValueError:
            dns.append(name)
    return sorted(set(dns)), sorted(set(ips))


def _usable(cert_path: Path, dns: list[str], ips: list[str]) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    have_ips = {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    have_dns = set(names.get_values_for_type(x509.DNSName))
    fresh = cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return fresh and set(ips) <= have_ips and set(dns) <= have_dns


def self_signed_certificate(folder: Path, host: str) -> tuple[Path, Path]:
    """(certificate, key) in `folder`, made now unless a usable one is there."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:
        raise ConfigError("--https needs the 'cryptography' package",
                          "pip install cryptography (it is in PoseCoach's dependencies)") from exc
    cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
    dns, ips = _names_for(host)
    if key_path.exists() and _usable(cert_path, dns, ips):
        return cert_path, key_path
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PoseCoach on this computer")])
    now = dt.datetime.now(dt.UTC)
    alt = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    tmp_key = key_path.with_suffix(".tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the key is private
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    tmp_cert = cert_path.with_suffix(".tmp")
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tmp_key.replace(key_path)
    tmp_cert.replace(cert_path)
    return cert_path, key_path
