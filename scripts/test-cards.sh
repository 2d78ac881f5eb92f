#!/usr/bin/env bash
# Test CPS cards on SoftHSM2, with a test PKI that imitates the IGC-Santé TEST names
# (docs/card.md, "Test cards"). Used by the tests and by the demo.
#
#   OUT=/tmp/cards CARDS="alice=valid:899700218896 bob=expired:899700218897" scripts/test-cards.sh
#   export SOFTHSM2_CONF=/tmp/cards/softhsm2.conf
#   CARD_TRUST_ANCHORS=/tmp/cards/trust CARD_CRLS=/tmp/cards/pki/inter.crl.pem openpsc serve
#   CARD_AGENT_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so openpsc card-agent
#
# Each card is `<name>=<variant>:<national id>` and becomes a token labelled `CPS3 TEST <NAME>`
# holding `Certificat d'Authentification CPS` + `CPS_PRIV_AUT` (CKA_ID 0220), PIN $PIN. Variants:
#   valid    issued by the TEST PERSONNES CA, valid 3 years
#   expired  validity ended yesterday          notyet   validity starts in 30 days
#   revoked  valid, but listed in pki/inter.crl.pem
#   rogue    signed by another CA pair carrying exactly the same names (trust is by key, not name)
#   nokeyusage  keyUsage keyEncipherment only (no digitalSignature)
# A national id with a `/` (structure card, e.g. 500000001815646/CPAT00045) is accepted.
# The first card also gets a signature certificate (`Certificat de Signature CPS`, CKA_ID 0210),
# so that readers must pick the authentication one by label.
#
# Outputs in $OUT: softhsm2.conf, tokens/, trust/ (root + intermediate PEM: the trust anchors),
# pki/ (CA keys, certificates, inter.crl.pem/.der, rogue CA), cards/<name>.pem, cards.tsv
# (name, label, variant, national id). Private keys of the cards exist only inside the tokens.
set -euo pipefail

OUT="${OUT:-$PWD/.test-cards}"
MOD="${PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
PIN="${PIN:-1234}"
SOPIN="${SOPIN:-87654321}"
CA_BITS="${CA_BITS:-4096}"      # IGC-Santé CAs are RSA-4096; tests use 2048 to save time
CARD_BITS="${CARD_BITS:-2048}"
CARDS="${CARDS:-kit=valid:899700218896}"
TAIL="/OU=IGC-SANTE TEST/OU=0002 187512751/O=ASIP-SANTE/C=FR"
ROOT_CN="TEST AC RACINE IGC-SANTE FORT"
INTER_CN="TEST AC IGC-SANTE FORT PERSONNES"

rm -rf "$OUT"
mkdir -p "$OUT/tokens" "$OUT/pki" "$OUT/trust" "$OUT/cards"
OUT="$(cd "$OUT" && pwd)"
cat > "$OUT/softhsm2.conf" <<CONF
directories.tokendir = $OUT/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$OUT/softhsm2.conf"
cd "$OUT/pki"

cat > ext.cnf <<'CNF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
certificatePolicies = 2.5.29.32.0
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.5.29.32.0
[aut]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[sig]
basicConstraints = critical, CA:FALSE
keyUsage = critical, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[nokeyusage]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# make_ca <dir>: a root and a PERSONNES intermediate with the TEST names, plus an `openssl ca` setup.
make_ca() {
  local d="$1"
  mkdir -p "$d/issued"
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$CA_BITS" -out "$d/root.key" 2>/dev/null
  openssl req -new -x509 -key "$d/root.key" -subj "/CN=$ROOT_CN$TAIL" -sha256 -days 3650 \
    -config ext.cnf -extensions root -out "$d/root.pem" 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$CA_BITS" -out "$d/inter.key" 2>/dev/null
  openssl req -new -key "$d/inter.key" -subj "/CN=$INTER_CN$TAIL" -out "$d/inter.csr"
  openssl x509 -req -in "$d/inter.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -set_serial "0x$(openssl rand -hex 8)" \
    -sha256 -days 3650 -extfile ext.cnf -extensions inter -out "$d/inter.pem" 2>/dev/null
  : > "$d/index.txt"; echo 01 > "$d/crlnumber"; openssl rand -hex 8 > "$d/serial"
  cat > "$d/ca.cnf" <<CNF
[ca]
default_ca = inter
[inter]
dir = $d
database = \$dir/index.txt
unique_subject = no
new_certs_dir = \$dir/issued
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/inter.pem
private_key = \$dir/inter.key
default_md = sha256
default_crl_days = 7
policy = anything
email_in_dn = no
[anything]
commonName = supplied
CNF
}

make_ca "$OUT/pki/test"
make_ca "$OUT/pki/rogue"
cp "$OUT/pki/test/root.pem" "$OUT/trust/root.pem"
cp "$OUT/pki/test/inter.pem" "$OUT/trust/inter.pem"
openssl verify -CAfile "$OUT/trust/root.pem" "$OUT/trust/inter.pem" >/dev/null

# issue <ca dir> <csr> <extensions> <out> <date args...>
issue() {
  local ca="$1" csr="$2" ext="$3" out="$4"; shift 4
  openssl ca -batch -notext -config "$ca/ca.cnf" -utf8 -multivalue-rdn -preserveDN \
    -extfile ext.cnf -extensions "$ext" "$@" -in "$csr" -out "$out" 2>/dev/null
}

# load <label> <id> <key label> <cert label> <key.pem> <cert.pem>: key (sensitive, private) + cert.
load() {
  local label="$1" id="$2" klabel="$3" clabel="$4" key="$5" cert="$6"
  openssl pkcs8 -topk8 -nocrypt -in "$key" -outform DER -out "$key.der"
  openssl x509 -in "$cert" -outform DER -out "$cert.der"
  pkcs11-tool --module "$MOD" --token-label "$label" --login --pin "$PIN" --write-object "$key.der" --type privkey \
    --id "$id" --label "$klabel" --usage-sign --sensitive --private >/dev/null
  pkcs11-tool --module "$MOD" --token-label "$label" --login --pin "$PIN" --write-object "$cert.der" --type cert \
    --id "$id" --label "$clabel" >/dev/null
  rm -f "$key" "$key.der"   # the private key now lives only in the token
}

now_plus() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
printf 'name\tlabel\tvariant\tnational_id\n' > "$OUT/cards.tsv"
first=1
for spec in $CARDS; do
  name="${spec%%=*}"; rest="${spec#*=}"; variant="${rest%%:*}"; idnat="${rest#*:}"
  label="CPS3 TEST $(echo "$name" | tr '[:lower:]' '[:upper:]')"
  softhsm2-util --init-token --free --label "$label" --so-pin "$SOPIN" --pin "$PIN" >/dev/null
  ca="$OUT/pki/test"; ext=aut; dates=(-days 1095)
  case "$variant" in
    valid|revoked) ;;
    expired) dates=(-startdate "$(now_plus '-400 days')" -enddate "$(now_plus '-1 day')") ;;
    notyet) dates=(-startdate "$(now_plus '+30 days')" -enddate "$(now_plus '+400 days')") ;;
    rogue) ca="$OUT/pki/rogue" ;;
    nokeyusage) ext=nokeyusage ;;
    *) echo "unknown card variant '$variant' in '$spec'" >&2; exit 2 ;;
  esac
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$CARD_BITS" -out "$name.aut.key" 2>/dev/null
  cn="${idnat//\//\\/}"   # a structure card CN (`<structure>/<n°>`) needs its `/` escaped in -subj
  openssl req -new -key "$name.aut.key" -utf8 -multivalue-rdn \
    -subj "/C=FR/title=Médecin/CN=$cn+SN=TEST-$(echo "$name" | tr '[:lower:]' '[:upper:]')+GN=KIT" -out "$name.aut.csr"
  issue "$ca" "$name.aut.csr" "$ext" "$OUT/cards/$name.pem" "${dates[@]}"
  load "$label" 0220 CPS_PRIV_AUT "Certificat d'Authentification CPS" "$name.aut.key" "$OUT/cards/$name.pem"
  if [ "$variant" = revoked ]; then
    openssl ca -config "$ca/ca.cnf" -revoke "$OUT/cards/$name.pem" -crl_reason keyCompromise 2>/dev/null
  fi
  if [ "$first" = 1 ]; then
    openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$CARD_BITS" -out "$name.sig.key" 2>/dev/null
    openssl req -new -key "$name.sig.key" -utf8 -multivalue-rdn \
      -subj "/C=FR/title=Médecin/CN=$cn+SN=TEST-SIG+GN=KIT" -out "$name.sig.csr"
    issue "$ca" "$name.sig.csr" sig "$OUT/cards/$name.sig.pem" -days 1095
    load "$label" 0210 CPS_PRIV_SIG "Certificat de Signature CPS" "$name.sig.key" "$OUT/cards/$name.sig.pem"
    first=0
  fi
  printf '%s\t%s\t%s\t%s\n' "$name" "$label" "$variant" "$idnat" >> "$OUT/cards.tsv"
done

for d in test rogue; do
  openssl ca -config "$OUT/pki/$d/ca.cnf" -gencrl -out "$OUT/pki/$d/inter.crl.pem" 2>/dev/null
done
cp "$OUT/pki/test/inter.crl.pem" "$OUT/pki/inter.crl.pem"
openssl crl -in "$OUT/pki/inter.crl.pem" -outform DER -out "$OUT/pki/inter.crl.der"
echo "test cards ready in $OUT (SOFTHSM2_CONF=$OUT/softhsm2.conf, PIN $PIN)"
