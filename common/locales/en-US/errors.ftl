# What a node says when it refuses an operation: the callers of the CLI and the API read it in
# their language. Ids, paths and English keys in the arguments are stable identifiers, kept as
# they are.

error-ministry-only = only the ministry node can { $action }
action-create-roster = create the roster
action-change-roster = change the roster
action-publish-batch = publish batches
action-record-review = record expert reviews
action-recognise = recognise bases
action-decline = decline applications
action-publish-list = publish the list of bases
error-ministry-writes-no-records = the ministry node does not write recommenders' records
error-no-recommender = this node acts for no recommender
error-batch-move = record { $id } belongs to batch { $held }; a record cannot move to batch { $asked }
error-attachment-kind = attachment kind '{ $kind }' is not recommendation_letter, proof or extra
error-attachment-empty = attachment { $name } is empty
error-not-a-hash = '{ $hash }' is not a BLAKE3 hash (64 hex digits)
error-no-attachment = no attachment { $hash } on this node
error-feed-length = feed ({ $author }, { $topic }) holds { $count } entries but its head says { $seq }
error-feed-broken = feed ({ $author }, { $topic }): { $detail }
error-entry-broken = entry { $seq } of ({ $author }, { $topic }): { $detail }
error-not-writable-restored = this node has not yet learned its own feed's head from a peer that holds it, and will not sign new entries until it has (protection against forking its feed after a restore); it opens after its first sync round with such a peer, or start it with `fedrec run --offline`
error-no-record = no record { $id } on this node
error-record-no-document = record { $id } has no stored document
error-no-roster-import = this node holds no roster yet; import the ministry's
error-no-roster = this node holds no roster yet
error-not-own-record = record { $id } belongs to recommender { $owner }; this node acts for { $recommender }
error-not-a-record-doc = { $doc } is not a record
error-not-a-record-id = '{ $id }' is not a record id (16 hex digits, or record/<batch>/<recommender>/<id>)
error-peer-may-not-read = the peer may not read { $topic }
error-ministry-topic-unconfirmed = the ministry's feed on { $topic } is not yet confirmed by a node that holds it
error-no-verdict-yet = record { $id } has no verdict yet (it was not submitted, or not yet receipted)
error-no-batch-definition = no definition of batch { $batch }
error-decline-reason = give the reason for declining
error-review-not-accepted = only accepted records are reviewed; this one is { $verdict }
error-nothing-to-publish = batch { $batch } has no recognised base to publish
error-roster-kind = kind '{ $kind }' is not province, department, central_enterprise, association or institute
error-roster-role = role '{ $role }' is not hq or field_office
error-ministry-imports-nothing = the ministry signs the roster and batch definitions; it never imports them
error-roster-refused = roster refused: { $detail }
error-roster-not-newer = this node already holds roster version { $held }; the bundle's version { $given } is not newer
error-batch-refused = batch definition refused: { $detail }
error-request-body = request body: { $detail }
error-request-body-edit = request body: give `application` or `set`
error-query = query: { $detail }
error-query-attachment = query: { $detail }; give ?kind=...&name=...
error-query-batch = query: { $detail }; give ?batch=N
error-batch-not-utf8 = batch file is not UTF-8
error-no-endpoint = no such endpoint; see /openapi.json
error-internal = the node failed: { $detail }
error-invalid-application = the application has { $count } problem(s)
error-too-large = { $what } is { $size } bytes; the limit is { $limit }
error-storage = storage: { $detail }
error-record-document = record document: { $detail }
error-backup-relative = backup directory { $dir }: give an absolute path
error-backup-exists = backup directory { $dir } already exists; name a new one
error-backup-no-parent = backup directory { $dir }: its parent directory does not exist
error-login-user = user: { $detail }
error-login-role = role: { $detail }
# The API's door (node/src/api/auth.rs): refused before any work.
error-door-host = Host '{ $host }' is not this API's address; use http://{ $own }
error-door-origin = requests from origin '{ $origin }' are refused
error-door-credential = no valid credential: send the token from the data directory's { $file } file (Authorization: Bearer TOKEN)
error-door-media-type = { $path } takes a body of Content-Type { $expected }, not { $given }
error-door-media-type-none = (none)
error-door-cross-site = { $path }: a change through the web interface must come from its own pages (Sec-Fetch-Site: same-origin, or this address as Origin)
error-door-signed-out = not signed in: run `fedrec ui` on this node's machine and open the link it prints
error-login-too-many-links = { $count } login links are waiting to be opened; open or let some expire first
error-ui-no-box = the application form has no box { $path }
# The roster's own errors (common/src/roster.rs RosterError), worded by i18n::roster_error.
roster-error-too-large = roster is { $size } bytes; the limit is { $limit }
roster-error-bad-signature = roster signature is not the ministry's
roster-error-wrong-ministry = roster is signed for ministry key { $found }, but this node trusts { $expected }
roster-error-syntax = roster does not parse: { $detail }
roster-error-duplicate-recommender = recommender { $recommender } is listed twice
roster-error-duplicate-key = key { $key } is granted twice
roster-error-unknown-recommender = key { $key } is granted to unknown recommender { $recommender }
roster-error-empty-name = recommender { $recommender } has an empty name
roster-error-unsafe-key = key { $key } has a small-order component: it cannot be trusted to sign
roster-error-ministry-as-recommender = the ministry key cannot also act for a recommender
roster-error-stale = roster version { $found } is not newer than the held version { $held }
roster-error-unknown-key = unknown key { $key }
