#!/usr/bin/env bash
# Validates a SARIF log offline: JSON Schema (SARIF 2.1.0) with Ajv, then the checks GitHub code
# scanning relies on, then (if installed) Microsoft's SARIF Multitool with its SARIF and GitHub
# rules. Exits 0 if valid, 1 if invalid, 2 on a usage or setup error.
#   validate_sarif.sh FILE.sarif SCHEMA.json
# The validator lives in $SARIF_VALIDATOR_DIR (default /tmp/sarifval), installed from npm with:
#   mkdir -p /tmp/sarifval && cd /tmp/sarifval && npm init -y >/dev/null &&
#   npm install --no-audit --no-fund --save-exact ajv@8.20.0 ajv-formats@3.0.1 ajv-draft-04@1.0.0 \
#     @microsoft/sarif-multitool-linux@5.7.0
# SCHEMA is usually /tmp/sarifval/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json
# (SARIF 2.1.0 in the JSON Schema 2020-12 dialect); the OASIS draft-04 schema and draft-07
# variants work too. Set SARIF_MULTITOOL=0 to skip the Multitool step.
set -u
if [[ $# -ne 2 ]]; then
  echo "usage: $0 FILE.sarif SCHEMA.json" >&2
  exit 2
fi
sarif=$1
schema=$2
dir=${SARIF_VALIDATOR_DIR:-/tmp/sarifval}
for f in "$sarif" "$schema"; do
  [[ -r "$f" ]] || { echo "validate_sarif: cannot read $f" >&2; exit 2; }
done
[[ -d "$dir/node_modules/ajv" ]] || {
  echo "validate_sarif: no ajv in $dir/node_modules (see the install line in $0)" >&2
  exit 2
}
command -v node >/dev/null || { echo "validate_sarif: node not found" >&2; exit 2; }

node - "$dir" "$sarif" "$schema" <<'EOF' || exit $?
const fs = require('fs');
const path = require('path');
const [dir, sarifPath, schemaPath] = process.argv.slice(2);
const req = require('module').createRequire(path.join(path.resolve(dir), 'package.json'));
const fail = (msg) => { console.error(`validate_sarif: ${msg}`); process.exit(2); };
let schema, log;
try { schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')); } catch (e) { fail(`schema: ${e.message}`); }
try {
  const buf = fs.readFileSync(sarifPath);
  new TextDecoder('utf-8', { fatal: true }).decode(buf);  // SARIF files are UTF-8
  log = JSON.parse(buf.toString('utf8'));
} catch (e) {
  console.log(`${sarifPath}: INVALID: not a UTF-8 JSON document: ${e.message}`);
  process.exit(1);
}
const dialect = String(schema.$schema || '');
let Ajv;
if (dialect.includes('2020-12')) Ajv = req('ajv/dist/2020').default;
else if (dialect.includes('2019-09')) Ajv = req('ajv/dist/2019').default;
else if (dialect.includes('draft-04')) Ajv = req('ajv-draft-04').default;
else Ajv = req('ajv').default;
// unicodeRegExp: false: the OASIS 2.1.0 schema has a language pattern that is not a valid /u regex.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
req('ajv-formats').default(ajv);
const validate = ajv.compile(schema);
const errors = [];
if (!validate(log)) {
  for (const e of validate.errors) {
    errors.push(`schema: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
// What GitHub code scanning expects beyond the schema.
const levels = new Set(['none', 'note', 'warning', 'error']);
if (log.version !== '2.1.0') errors.push(`/version is ${JSON.stringify(log.version)}, not "2.1.0"`);
(log.runs || []).forEach((run, ri) => {
  const driver = (run.tool && run.tool.driver) || {};
  const rules = driver.rules || [];
  if (!driver.name) errors.push(`/runs/${ri}/tool/driver/name missing`);
  rules.forEach((rule, i) => {
    const lv = rule.defaultConfiguration && rule.defaultConfiguration.level;
    if (lv !== undefined && !levels.has(lv)) {
      errors.push(`/runs/${ri}/tool/driver/rules/${i}/defaultConfiguration/level ${JSON.stringify(lv)}`);
    }
  });
  const ids = rules.map((r) => r.id);
  if (new Set(ids).size !== ids.length) errors.push(`/runs/${ri}/tool/driver/rules: duplicate ids`);
  (run.results || []).forEach((res, i) => {
    const at = `/runs/${ri}/results/${i}`;
    if (typeof res.ruleId !== 'string' || res.ruleId === '') errors.push(`${at}/ruleId missing`);
    if (res.ruleIndex !== undefined) {
      if (!Number.isInteger(res.ruleIndex) || res.ruleIndex < 0 || res.ruleIndex >= rules.length) {
        errors.push(`${at}/ruleIndex ${res.ruleIndex} outside rules[0..${rules.length - 1}]`);
      } else if (rules[res.ruleIndex].id !== res.ruleId) {
        errors.push(`${at}/ruleIndex ${res.ruleIndex} names rule ${rules[res.ruleIndex].id}, ruleId is ${res.ruleId}`);
      }
    } else if (res.ruleId !== undefined && !ids.includes(res.ruleId)) {
      errors.push(`${at}/ruleId ${res.ruleId} has no rule in tool.driver.rules`);
    }
    if (res.level !== undefined && !levels.has(res.level)) errors.push(`${at}/level ${JSON.stringify(res.level)}`);
    if (!res.message || typeof res.message.text !== 'string' || res.message.text === '') {
      errors.push(`${at}/message/text missing or empty`);
    }
    if (!Array.isArray(res.locations) || res.locations.length === 0) {
      errors.push(`${at}/locations missing: GitHub code scanning shows no result without a location`);
    }
    (res.locations || []).forEach((loc, li) => {
      const pl = loc.physicalLocation;
      const lat = `${at}/locations/${li}/physicalLocation`;
      if (!pl) { errors.push(`${lat} missing`); return; }
      const uri = pl.artifactLocation && pl.artifactLocation.uri;
      if (typeof uri !== 'string' || uri === '') {
        errors.push(`${lat}/artifactLocation/uri missing`);
      } else if (uri.startsWith('/')) {
        errors.push(`${lat}/artifactLocation/uri ${JSON.stringify(uri)}: absolute path must be a file:// URI`);
      } else if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !uri.startsWith('file://')) {
        errors.push(`${lat}/artifactLocation/uri ${JSON.stringify(uri)}: scheme other than file`);
      } else if (/[\s\\]/.test(uri) || /%(?![0-9A-Fa-f]{2})/.test(uri)) {
        errors.push(`${lat}/artifactLocation/uri ${JSON.stringify(uri)}: not percent-encoded`);
      }
      const rg = pl.region;
      if (rg) {
        for (const k of ['startLine', 'startColumn', 'endLine', 'endColumn']) {
          if (rg[k] !== undefined && !(Number.isInteger(rg[k]) && rg[k] >= 1)) {
            errors.push(`${lat}/region/${k} ${rg[k]} is not an integer >= 1`);
          }
        }
        if (rg.startLine === undefined && rg.charOffset === undefined && rg.byteOffset === undefined) {
          errors.push(`${lat}/region has no startLine`);
        }
      }
    });
  });
});
if (errors.length) {
  console.log(`${sarifPath}: INVALID (${errors.length} problem(s), schema ${dialect})`);
  for (const e of errors) console.log(`  ${e}`);
  process.exit(1);
}
console.log(`${sarifPath}: valid SARIF 2.1.0 (schema ${dialect})`);
EOF

mt="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [[ "${SARIF_MULTITOOL:-1}" != 0 && -f "$mt" ]]; then
  [[ -x "$mt" ]] || chmod u+x "$mt" 2>/dev/null
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Errors only: the Multitool's warnings and notes are style advice (informationUri, help URIs).
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    "$mt" validate --rule-kind "Sarif;Gh" -o "$tmp/out.sarif" "$sarif" >"$tmp/log" 2>&1
  rc=$?
  if [[ $rc != 0 ]] || ! grep -q 'Analysis completed successfully' "$tmp/log"; then
    echo "$sarif: Multitool did not run (exit $rc):" >&2
    head -20 "$tmp/log" >&2
    exit 2
  fi
  if grep -E ': error [A-Z]+[0-9]+: ' "$tmp/log"; then
    echo "$sarif: INVALID (SARIF Multitool)"
    exit 1
  fi
  echo "$sarif: SARIF Multitool: no errors"
fi
exit 0
