#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Make the PKI the TLS tests use, in one folder:

  ca.crt / ca.key              the test CA
  other-ca.crt                 a CA nobody trusts
  NAME.crt / NAME.key          server certificates (see SERVERS), signed
                               by the CA; -ec are ECDSA P-256, -rsa RSA 2048
  client.crt / client.key      a client certificate with a SPIFFE URI SAN
  client2.crt / client2.key    another client of the CA, another URI SAN
  rogue.crt / rogue.key        a client certificate from other-ca
  expired.crt / expired.key    a server certificate that expired
  mismatch.crt / mismatch.key  a certificate with another pair's key
  shop-ec.crt.ocsp             a DER OCSP response (good) for shop-ec.crt,
                               signed by the CA: meshgw staples it
  cred/NAME/tls.crt ...        credentialName folders (Kubernetes style)

Usage: tlscerts.py DIR
"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def key(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "meshgw test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(cn, k, issuer, issuer_key, sans=(), ca=False, client=False,
         not_before=None, not_after=None):
    b = (x509.CertificateBuilder()
         .subject_name(name(cn))
         .issuer_name(issuer)
         .public_key(k.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before or NOW - DAY)
         .not_valid_after(not_after or NOW + 365 * DAY)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                        critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(list(sans)),
                            critical=False)
    if not ca and not client:
        # where revocation would be checked (nothing serves them: the
        # tests never phone out; testssl.sh wants them named)
        b = b.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier("http://ocsp.example.test/"))]),
            critical=False)
        b = b.add_extension(x509.CRLDistributionPoints([
            x509.DistributionPoint(
                [x509.UniformResourceIdentifier("http://ca.example.test/ca.crl")],
                None, None, None)]), critical=False)
    if not ca:
        b = b.add_extension(x509.ExtendedKeyUsage(
            [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH if client else
             x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def write(d, base, c, k):
    with open(os.path.join(d, base + ".crt"), "wb") as f:
        f.write(c.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(d, base + ".key"), "wb") as f:
        f.write(k.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))


# server certificates: file base name, CN, DNS names, key type
SERVERS = [
    ("shop-ec", "shop.example.test", ["shop.example.test"], "ec"),
    ("shop-rsa", "shop.example.test", ["shop.example.test"], "rsa"),
    ("wild-ec", "*.example.test", ["*.example.test"], "ec"),
    ("default-ec", "default.test", ["default.test"], "ec"),
    ("mtls-ec", "mtls.example.test", ["mtls.example.test"], "ec"),
    ("backend-ec", "backend.internal", ["backend.internal"], "ec"),
    ("pass-ec", "pass.example.test",
     ["pass.example.test", "*.pass.example.test"], "ec"),
]


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    ca_key = key("ec")
    ca = cert("meshgw test CA", ca_key, name("meshgw test CA"), ca_key,
              ca=True)
    write(d, "ca", ca, ca_key)
    other_key = key("ec")
    other = cert("other CA", other_key, name("other CA"), other_key, ca=True)
    write(d, "other-ca", other, other_key)
    certs = {}
    for base, cn, dns, kind in SERVERS:
        k = key(kind)
        certs[base] = cert(cn, k, ca.subject, ca_key,
                           [x509.DNSName(n) for n in dns])
        write(d, base, certs[base], k)
    # an OCSP response for shop-ec, next to its file (<cert>.ocsp)
    resp = (ocsp.OCSPResponseBuilder()
            .add_response(cert=certs["shop-ec"], issuer=ca,
                          algorithm=hashes.SHA1(),
                          cert_status=ocsp.OCSPCertStatus.GOOD,
                          this_update=NOW - DAY, next_update=NOW + 7 * DAY,
                          revocation_time=None, revocation_reason=None)
            .responder_id(ocsp.OCSPResponderEncoding.HASH, ca)
            .sign(ca_key, hashes.SHA256()))
    with open(os.path.join(d, "shop-ec.crt.ocsp"), "wb") as f:
        f.write(resp.public_bytes(serialization.Encoding.DER))
    for base, uri in (("client", "spiffe://cluster.local/ns/shop/sa/buyer"),
                      ("client2", "spiffe://cluster.local/ns/other/sa/x")):
        k = key("ec")
        write(d, base, cert(base, k, ca.subject, ca_key,
                            [x509.UniformResourceIdentifier(uri)],
                            client=True), k)
    k = key("ec")
    write(d, "rogue", cert("rogue", k, other.subject, other_key,
                           [x509.UniformResourceIdentifier(
                               "spiffe://cluster.local/ns/shop/sa/buyer")],
                           client=True), k)
    k = key("ec")
    write(d, "expired", cert("old.example.test", k, ca.subject, ca_key,
                             [x509.DNSName("old.example.test")],
                             not_before=NOW - 60 * DAY,
                             not_after=NOW - 30 * DAY), k)
    k1, k2 = key("ec"), key("ec")
    write(d, "mismatch", cert("mismatch.example.test", k1, ca.subject,
                              ca_key, [x509.DNSName("mismatch.example.test")]),
          k2)
    # a credentialName folder: tls.crt, tls.key, ca.crt
    for cred, base in (("shop-cred", "shop-ec"), ("mtls-cred", "mtls-ec")):
        cd = os.path.join(d, "cred", cred)
        os.makedirs(cd, exist_ok=True)
        for src, dst in ((base + ".crt", "tls.crt"),
                         (base + ".key", "tls.key"), ("ca.crt", "ca.crt")):
            with open(os.path.join(d, src), "rb") as f, \
                    open(os.path.join(cd, dst), "wb") as g:
                g.write(f.read())


if __name__ == "__main__":
    main()
