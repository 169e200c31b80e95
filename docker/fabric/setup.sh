#!/bin/sh
# Runs inside hyperledger/fabric-tools for docker/fabric/compose.yaml, in two phases:
#   crypto  - identities (cryptogen, with scripts/fabric/config/crypto-config.yaml) and the
#             channel's genesis block (configtxgen, with scripts/fabric/config/configtx.yaml
#             rendered for the compose service names);
#   channel - the orderer joins the channel (osnadmin), both peers join, the ccaas chaincode is
#             installed, approved by both organizations and committed with an endorsement policy
#             needing both; its package id is left for the chaincode container.
# This mirrors scripts/fabric/network.ts, which does the same on loopback without Docker.
set -eu

FABRIC=/fabric
CONFIG=/sluice-config
CRYPTO=$FABRIC/crypto
CHANNEL=sluice
CHAINCODE=sluice
VERSION=1.0
POLICY="AND('OperatorMSP.peer','RegulatorMSP.peer')"
ORDERER_DIR=$CRYPTO/ordererOrganizations/orderer.sluice.local
ORDERER_CA=$ORDERER_DIR/orderers/orderer0.orderer.sluice.local/tls/ca.crt

org_dir() { echo "$CRYPTO/peerOrganizations/$1.sluice.local"; }

as_admin() {
  org=$1 msp=$2
  shift 2
  CORE_PEER_LOCALMSPID=$msp \
  CORE_PEER_TLS_ENABLED=true \
  CORE_PEER_MSPCONFIGPATH="$(org_dir "$org")/users/Admin@$org.sluice.local/msp" \
  CORE_PEER_TLS_ROOTCERT_FILE="$(org_dir "$org")/peers/peer0.$org.sluice.local/tls/ca.crt" \
  CORE_PEER_TLS_CLIENTAUTHREQUIRED=true \
  CORE_PEER_TLS_CLIENTCERT_FILE="$(org_dir "$org")/users/Admin@$org.sluice.local/tls/client.crt" \
  CORE_PEER_TLS_CLIENTKEY_FILE="$(org_dir "$org")/users/Admin@$org.sluice.local/tls/client.key" \
  CORE_PEER_ADDRESS="peer0.$org.sluice.local:7051" \
  "$@"
}

crypto() {
  if [ -d "$CRYPTO" ]; then return; fi
  cryptogen generate --config="$CONFIG/crypto-config.yaml" --output="$CRYPTO"
  mkdir -p "$FABRIC/config"
  sed -e "s|{{CRYPTO_DIR}}|$CRYPTO|g" \
      -e "s|{{ORDERER_HOST}}|orderer0.orderer.sluice.local|g" -e "s|{{ORDERER_PORT}}|7050|g" \
      -e "s|{{OPERATOR_PEER_HOST}}|peer0.operator.sluice.local|g" -e "s|{{OPERATOR_PEER_PORT}}|7051|g" \
      -e "s|{{REGULATOR_PEER_HOST}}|peer0.regulator.sluice.local|g" -e "s|{{REGULATOR_PEER_PORT}}|7051|g" \
      "$CONFIG/configtx.yaml" > "$FABRIC/config/configtx.yaml"
  configtxgen -configPath "$FABRIC/config" -profile SluiceChannel -channelID "$CHANNEL" \
    -outputBlock "$FABRIC/config/$CHANNEL.block"
}

# A PEM file as a JSON string body: newlines escaped.
json_pem() { awk 'BEGIN { ORS = "\\n" } { print }' "$1"; }

# Each organization runs its own chaincode server (chaincode.<org>.sluice.local) and installs a
# package naming it; the server accepts only its own peer's TLS certificate, the peer only its
# own server. Writes the package id to $FABRIC/chaincode/<org>/package-id.
package() {
  org=$1 msp=$2
  pkg=$FABRIC/chaincode/$org
  mkdir -p "$pkg"
  peer_tls="$(org_dir "$org")/peers/peer0.$org.sluice.local/tls"
  printf '{"address":"chaincode.%s.sluice.local:9999","dial_timeout":"10s","tls_required":true,"client_auth_required":true,"root_cert":"%s","client_cert":"%s","client_key":"%s"}' \
    "$org" "$(json_pem "$(org_dir "$org")/peers/chaincode.$org.sluice.local/tls/ca.crt")" \
    "$(json_pem "$peer_tls/server.crt")" "$(json_pem "$peer_tls/server.key")" > "$pkg/connection.json"
  printf '{"type":"ccaas","label":"%s_%s"}' "$CHAINCODE" "$VERSION" > "$pkg/metadata.json"
  tar -C "$pkg" -czf "$pkg/code.tar.gz" connection.json
  tar -C "$pkg" -czf "$pkg/$CHAINCODE.tgz" metadata.json code.tar.gz
  as_admin "$org" "$msp" peer lifecycle chaincode install "$pkg/$CHAINCODE.tgz"
  as_admin "$org" "$msp" peer lifecycle chaincode calculatepackageid "$pkg/$CHAINCODE.tgz" > "$pkg/package-id.pending"
}

channel() {
  if [ -f "$FABRIC/chaincode/regulator/package-id" ]; then return; fi
  osnadmin channel join --channelID "$CHANNEL" --config-block "$FABRIC/config/$CHANNEL.block" \
    -o orderer0.orderer.sluice.local:7053 --ca-file "$ORDERER_CA" \
    --client-cert "$ORDERER_DIR/users/Admin@orderer.sluice.local/tls/client.crt" \
    --client-key "$ORDERER_DIR/users/Admin@orderer.sluice.local/tls/client.key"
  as_admin operator OperatorMSP peer channel join -b "$FABRIC/config/$CHANNEL.block"
  as_admin regulator RegulatorMSP peer channel join -b "$FABRIC/config/$CHANNEL.block"

  package operator OperatorMSP
  package regulator RegulatorMSP

  definition="--channelID $CHANNEL --name $CHAINCODE --version $VERSION --sequence 1"
  # The orderer requires client certificates: each admin shows its organization's TLS one.
  orderer() {
    echo "-o orderer0.orderer.sluice.local:7050 --tls --cafile $ORDERER_CA --clientauth" \
      "--certfile $(org_dir "$1")/users/Admin@$1.sluice.local/tls/client.crt" \
      "--keyfile $(org_dir "$1")/users/Admin@$1.sluice.local/tls/client.key"
  }
  # shellcheck disable=SC2086 # word splitting of the option lists is intended
  as_admin operator OperatorMSP peer lifecycle chaincode approveformyorg $(orderer operator) $definition \
    --signature-policy "$POLICY" --package-id "$(cat "$FABRIC/chaincode/operator/package-id.pending")"
  # shellcheck disable=SC2086
  as_admin regulator RegulatorMSP peer lifecycle chaincode approveformyorg $(orderer regulator) $definition \
    --signature-policy "$POLICY" --package-id "$(cat "$FABRIC/chaincode/regulator/package-id.pending")"
  # shellcheck disable=SC2086
  as_admin operator OperatorMSP peer lifecycle chaincode commit $(orderer operator) $definition \
    --signature-policy "$POLICY" \
    --peerAddresses peer0.operator.sluice.local:7051 \
    --tlsRootCertFiles "$(org_dir operator)/peers/peer0.operator.sluice.local/tls/ca.crt" \
    --peerAddresses peer0.regulator.sluice.local:7051 \
    --tlsRootCertFiles "$(org_dir regulator)/peers/peer0.regulator.sluice.local/tls/ca.crt"
  # The chaincode servers start once their package id is there.
  for org in operator regulator; do mv "$FABRIC/chaincode/$org/package-id.pending" "$FABRIC/chaincode/$org/package-id"; done
}

"$1"
