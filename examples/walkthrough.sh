BASE=${BASE:-http://127.0.0.1:3000}
EZSHARE=${EZSHARE:-"cargo run -q --profile local -p ezshare --"}

# OPS accounts are by invitation: an administrator mints the first code beside the running
# server, on its data dir (on AWS: `ezshare invite --backend aws`).
INVITE=$($EZSHARE invite --user-type ops --data-dir "${DATA_DIR:-.ezshare}")

# An OPS user signs up with it, logs in (the body is the JWT) and uploads a file.
curl -sf -X POST "$BASE/ops/signup" -d username=alice -d password=wonderland-42 -d invite_code="$INVITE"; echo
OPS_TOKEN=$(curl -sf -X POST "$BASE/ops/login" -d username=alice -d password=wonderland-42)
printf '%%PDF-1.7\n%% ezshare demo\n' > report.pdf
curl -sf -X POST "$BASE/ops/upload" -H "Authorization: Bearer $OPS_TOKEN" -F request_file=@report.pdf; echo

# A CLIENT user signs up (JSON works too) and logs in. Files are private by default: alice
# shares hers with bob, for at most 3 download links.
curl -sf -X POST "$BASE/client/signup" -H 'Content-Type: application/json' \
  -d '{"username":"bob","password":"builder-4242"}'; echo
CLIENT_TOKEN=$(curl -sf -X POST "$BASE/client/login" -d username=bob -d password=builder-4242)
curl -sf -X PUT "$BASE/ops/files/report.pdf/shares/bob" -H "Authorization: Bearer $OPS_TOKEN" \
  -H 'Content-Type: application/json' -d '{"max_downloads":3}'; echo

# bob lists what alice shares with him (or everything shared with him: /client/files) and
# downloads it.
curl -sf "$BASE/client/files/alice" -H "Authorization: Bearer $CLIENT_TOKEN"; echo
curl -sfL "$BASE/client/files/alice/report.pdf" -H "Authorization: Bearer $CLIENT_TOKEN" -o downloaded.pdf
cmp report.pdf downloaded.pdf && echo "downloaded bytes are identical"

# Logging out ends the session: the same token is refused from now on.
curl -sf -X POST "$BASE/logout" -H "Authorization: Bearer $CLIENT_TOKEN" && echo "logged out"
curl -s "$BASE/client/files/alice" -H "Authorization: Bearer $CLIENT_TOKEN"; echo
