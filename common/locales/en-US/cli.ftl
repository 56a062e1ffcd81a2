# The exported tables, the printable application and the command line's messages.

## The nationwide table (CSV, Excel)

export-sheet = Recommendations
export-heading-recommender-code = Recommender code
export-heading-recommender = Recommender
export-heading-record = Record
export-heading-institution = Applicant institution
export-heading-credit-code = Unified social credit code
export-heading-status = Status
export-heading-verdict = Verdict
export-heading-reason = Reason
export-heading-review = Review

## The printable application

print-title = Application for recognition as a national continuing-education base
print-heading-line1 = National continuing-education base for professional and technical personnel
print-heading-line2 = Application form
print-applicant = Applicant: { $value }
print-recommender = Recommender: { $value }
print-filled-on = Date filled: { $value }
print-applicant-signature = Signature of the applicant's head: ________   date:          (official seal)
print-recommender-part = To be filled in by the recommender
print-recommender-signature = Signature of the recommender's head: ________   date:          (official seal)
print-attachments = Attachments
print-yes = yes
print-no = no
print-yuan = { $yuan } yuan

## The command line: common

cli-error = error: { $error }
cli-refused = refused ({ $status }): { $message }
cli-not-running = no fedrec daemon is running for { $data }: start it with `fedrec run --data { $data }`
cli-unreachable = the daemon at { $api } does not answer ({ $reason }); is `fedrec run` still running?
cli-server-failed = the daemon failed: { $detail }
cli-protocol = unexpected answer from the daemon: { $detail }
cli-credential = { $detail }; run this command as the daemon's user
cli-cannot-read = { $file }: cannot read
cli-cannot-write = { $file }: cannot write
cli-unexpected-answer = unexpected answer: { $answer }
role-ministry = ministry
role-recommender = recommender
role-field-office = field-office
kind-province = province
kind-department = State Council department
kind-central-enterprise = central enterprise
kind-association = association
kind-institute = research institute
key-role-hq = HQ
key-role-field-office = field office

## The command line: the node

cli-init-created = created { $role } node in { $dir }
cli-node-id = node id: { $id }
cli-peer-id = peer id: { $id }
cli-wait-ready = daemon for { $data } answers at { $api } and accepts writes
cli-wait-not-writable = the daemon for { $data } answers but does not accept writes yet: no peer has confirmed its own feed heads within { $secs } s (start it with `fedrec run --offline` if it must work alone)
cli-wait-no-answer = no daemon answered for { $data } within { $secs } s
cli-status-node = node:        { $name } ({ $role })
cli-status-node-id = node id:     { $id }
cli-status-peer-id = peer id:     { $id }
cli-status-recommender = recommender: { $recommender }
cli-status-roster = roster:      version { $version }
cli-status-roster-issued = roster:      version { $version }, issued { $issued } ({ $hours } h ago)
cli-status-no-roster = roster:      none yet (import the ministry's bundle with `fedrec roster import`)
cli-status-batches = batches:     { $batches }
cli-status-feeds = feeds:       { $count }
cli-status-feed = { $author } { $topic } at { $seq }
cli-status-records = records:     { $records }
cli-status-record-count = { $count } { $status }
cli-status-quarantine = quarantine:  { $count }
cli-status-peers = peers:       { $count }
cli-status-peer = { $peer } (node { $node }), last round { $round }, { $pending }
cli-status-pending = { $count } entries pending to it
cli-status-pending-unknown = not known yet
cli-none = none
cli-none-yet = none yet
cli-verified = { $entries } entries verified: every signature and every hash chain holds

## The command line: the ministry's decisions and review

cli-reviewed = review by { $expert } recorded for { $id }: score { $score }
cli-recognised = { $id } recognised, subsidy { $yuan } yuan
cli-declined = { $id } declined: { $reason }
cli-published = published { $count } recognised base(s) of batch { $batch }
cli-no-published = no published list of batch { $batch } on this node yet
cli-published-line = { $recommender }  { $code }  { $institution }  { $yuan } yuan
cli-exported = wrote { $count } rows of batch { $batch } to { $file }

## The command line: application records

cli-edit-needs = give --file FILE or at least one --set PATH=VALUE
cli-set-shape = --set '{ $item }' is not PATH=VALUE
cli-record-updated = record { $id } updated ({ $entries } entries)
cli-no-records = no records
cli-record-line = { $id }  batch { $batch }  { $status }  { $code }  { $institution }  updated { $updated }
cli-names-no-file = { $file } names no file
cli-attached = attached { $name } to record { $id } ({ $count } attachments)
cli-printed = wrote the printable application { $id } to { $file }
cli-record-now = record { $id } is now { $status }
cli-valid = { $file }: valid application for batch { $batch } ({ $title }): { $name } { $code }
cli-problems = { $file }: { $count ->
        [one] 1 problem
       *[other] { $count } problems
    }:
cli-no-shipped-batch = no definition of batch { $batch } is shipped with fedrec; pass --batch-file FILE

## The command line: roster, batches, offline transfer

cli-roster-now = roster is now version { $version }
cli-roster-revoked = key revoked after position { $after }; roster is now version { $version }
cli-roster-may-submit = key { $key } may now submit and withdraw; roster is now version { $version }
cli-roster-may-not-submit = key { $key } may no longer submit and withdraw; roster is now version { $version }
cli-roster-role-may-submit = { $role }, may submit
cli-roster-version = roster version { $version } (ministry { $ministry })
cli-roster-written = wrote the signed roster and { $count } batch definition(s) to { $file }
cli-not-roster-bundle = { $file }: not a roster bundle
cli-roster-imported = imported roster version { $version } with { $count } batch definition(s)
cli-roster-key = key { $key } { $role }{ $revoked }
cli-roster-key-revoked = , revoked after position { $after }
cli-batch-published = published batch { $batch } signed by this ministry node
cli-batch-title = batch { $batch }: { $title }
cli-batch-deadline = deadline: { $deadline } (submissions received after it are late)
cli-batch-areas = key areas ({ $count }): { $areas }
cli-batch-quota = quota per recommender: { $quota }
cli-batch-cap = subsidy cap: { $yuan } yuan
cli-not-heads-file = { $file }: not a heads file
cli-bundle-written = wrote { $entries } signed entries ({ $bytes } bytes) to { $file }
cli-bundle-imported = { $accepted } new, { $duplicates } already held, { $early } waiting for earlier entries, { $refused } refused (see `fedrec status` for quarantine)
cli-heads-written = wrote the heads of { $count } feeds to { $file }
cli-migrate-no-db = { $path }: no database here to migrate
cli-migrate-current = { $data }: already at schema version { $version }
cli-migrate-done = { $data }: migrated from schema version { $from } to { $to } ({ $rows } keys rewritten); the database as it was is in { $backup }
cli-backup-exists = { $path } already exists; name a new backup directory
cli-backup-done = backup of node { $node } ({ $name }) written to { $path }, without the node's key
cli-backup-done-with-key = backup of node { $node } ({ $name }) written to { $path }, with the node's key: keep it as safe as the key itself
cli-restore-done = restored node { $node } into { $data }: { $entries } entries verified; started without --offline, it accepts writes once a peer confirms its feeds
cli-restore-no-key = the backup holds no node key: put the node's key at { $path } (mode 0600, or restore with --key FILE) before starting it

## fedrec ui

cli-ui-link = Login link for { $user } ({ $role }), good once within { $minutes } minutes:
cli-ui-link-remote = From another machine, over TLS (the same link, good once in all):
cli-ui-no-user = Say who signs in with --user
cli-ui-cannot-open = Cannot open a browser; copy the link above into a browser on this machine

## The demo (fedrec demo)

demo-starting = starting { $office }
demo-no-record-id = the API answered a new record without its id
demo-no-credit-code = no valid credit code has the body { $body }
demo-bad-application = demo application: { $error }
demo-no-free-port = no free loopback port between { $first } and { $last }
demo-dir-not-empty = { $dir } is not empty: the demo creates its nodes in a new or empty directory
demo-command-status = fedrec --data { $dir }  status      # API http://{ $api }
demo-command-decisions = fedrec --data { $dir } decisions
demo-wrong-verdict = { $record }: expected { $verdict }, the ministry shows { $shown }
demo-problem = demo: { $problem }
demo-stopping-failed = stopping { $name }: { $error }
demo-intro = fedrec demo: a ministry, five recommenders and a field office, each a full node, in { $dir }
demo-ministry-up = ministry up: { $address }
demo-roster-signed = roster signed by the ministry: { $count } offices of five recommenders (the Pudong field office may submit)
demo-batch-published = rehearsal of batch 6 published: deadline { $deadline } ({ $seconds } s from now), cap 5,000,000 yuan
demo-online = five nodes online; the Pudong field office and CNPC work offline
demo-roster-held = every online node holds the roster and the batch
demo-shanghai-submits = Shanghai HQ submits { $record }: 上海集成电路产业技术继续教育学院
demo-pudong-signs = the Pudong field office, offline, signs a second Shanghai submission { $record }
demo-same-institution = Guangdong ({ $guangdong }) and Sichuan ({ $sichuan }) both recommend 电子科技大学继续教育学院 ({ $code })
demo-miit-withdraws = MIIT submits { $record }, then withdraws it to correct the application
demo-receipted = the ministry holds the online submissions, each receipted in arrival order
demo-pudong-reconnects = the Pudong field office reconnects to Shanghai HQ
demo-pudong-through-hq = its submission reached the ministry through HQ, after HQ's own
demo-cap-lowered = the ministry republishes the rehearsal with the cap lowered to 4,000,000 yuan
demo-cnpc-submits = CNPC, offline under the old cap, submits { $record } asking 4,800,000 yuan
demo-cnpc-reconnects = CNPC reconnects; the ministry checks the request against the cap it holds
demo-too-slow = the submissions before the deadline took longer than --deadline-secs { $seconds }; run the demo again with a larger value
demo-waiting-deadline = waiting { $seconds } s for the deadline to pass
demo-miit-late = MIIT submits its corrected application { $record } after the deadline
demo-table = The ministry's nationwide table (fedrec --data { $dir }/ministry decisions):
demo-field-verdicts = Shanghai's field office to show the ministry's verdicts
demo-all-right = every verdict is as the rules require, and Shanghai's field office shows the same; { $nodes } nodes, { $megabytes } MB on disk
demo-waiting = … { $what }: { $progress }
demo-gave-up = gave up waiting for { $what } after { $seconds } s ({ $progress })
demo-hear-from-peer = { $office } to hear from a peer
demo-waiting-roster = waiting for the roster and the batch
demo-verdict-on = the ministry's verdict on { $record }
demo-verdict-now = now { $verdict }
demo-verdict-not-yet = not arrived yet
demo-keep-running = The nodes keep running; try, for example:
demo-login-link = web interface of { $office }, as { $user } (the link works once, within 5 minutes; `fedrec --data { $data } ui` prints another):
demo-no-login-link = no login link for { $office }: { $error }
demo-ctrl-c = Press Ctrl-C to stop them.
demo-data-kept = The nodes' data stays in { $dir }; start any of them with `fedrec run --data { $dir }/OFFICE`.
demo-data-removed = Stopped every node and removed the temporary data directory.
cli-seconds-ago = { $seconds } s ago
# `fedrec init`, the daemon's start-up and stop (node/src/daemon.rs), worded with `tr` in the
# language of the run.
daemon-key-exists = { $file } already exists: refusing to overwrite a node key (move it away to start over)
daemon-cannot-create = { $path }: cannot create
daemon-cannot-listen-remote = cannot listen on { $address } for the web interface (ui.remote_listen)
daemon-cannot-make-private = { $path }: cannot make it private (mode 0700)
daemon-not-peer-id = '{ $peer }' is not a libp2p peer id
daemon-peer-without-key = peer id { $peer } does not embed its public key
daemon-peer-not-ed25519 = peer id { $peer } is not an ed25519 key
daemon-ministry-for-others = --ministry is for recommender and field-office nodes
daemon-ministry-required = --ministry MULTIADDR/p2p/PEER_ID is required: the ministry's address and identity are this node's trust root
daemon-ministry-without-peer = --ministry '{ $address }' must end in /p2p/PEER_ID
daemon-ministry-is-self = --ministry names this node itself
daemon-no-config = { $file } does not exist: create the node with `fedrec init --data { $data }`
daemon-cannot-read-key = { $file }: cannot read the node key
daemon-not-a-key = { $file }: not a node key
daemon-key-mode = { $file }: the node key has mode { $mode }, so other users may read it; refusing to start. Fix it with `chmod 600 { $file }` (and consider the key exposed if others did read it)
daemon-cannot-migrate = { $path }: cannot bring the database up to date
daemon-cannot-open = { $file }: cannot open
daemon-already-running = another fedrec daemon is already running on { $data }
daemon-already-running-pid = another fedrec daemon is already running on { $data } (pid { $pid }, API { $api })
daemon-task-failed = node task failed: { $detail }
daemon-restored-offline = { $data }: this node was restored from a backup and has not yet learned its own feeds' heads from a peer; `--offline` would let it sign at positions it may already have used (forking its feed). Start it without --offline; it opens for writes once a peer confirms its feeds
daemon-cannot-open-db = { $path }: cannot open the database
daemon-cannot-listen = cannot listen on { $api } for the API
net-cannot-listen = cannot listen for peers on { $address } (listen in fedrec.toml): { $reason }
daemon-cannot-draw-token = cannot draw the API token
daemon-cannot-write-cookie = { $data }: cannot write the API cookie
daemon-api-failed = API server failed
daemon-not-multiaddr = '{ $address }' is not a multiaddr
# Backups and restores (node/src/backup.rs).
backup-not-a-backup = { $dir }: not a fedrec backup (no readable { $manifest }; an interrupted backup stays in BACKUP.partial)
backup-not-a-manifest = { $file }: not a backup manifest
backup-lacks = { $dir }: the backup has no { $needed }
backup-key-missing = { $dir }: the manifest says the key is in the backup, but { $key } is not there
backup-key-unexpected = { $dir }: the manifest says the key is not in the backup, but { $key } is there
backup-cannot-copy = cannot copy { $from } to { $to }
backup-cannot-make-private = { $file }: cannot make it private
backup-unexpected-directory = { $path }: unexpected directory in a database backup
restore-not-empty = { $data }: the data directory exists and is not empty; restore into a new directory
restore-drop-key = { $dir }: the backup holds the node's key; drop --key
restore-cannot-clear = { $dir }: cannot clear an earlier attempt
restore-cannot-replace = { $dir }: cannot replace
restore-cannot-move = cannot move the restored { $from } into { $to }
restore-wrong-key = { $file }: this key is node { $key }, but the backup is of node { $node }
restore-cannot-open-db = { $dir }: cannot open the restored database
restore-fails-verification = the restored database fails verification: { $detail }
restore-cannot-write-marker = { $dir }: cannot write the restore marker
# The comments of the configuration file `fedrec init` writes (node/src/config_file.rs), one
# message per key; each line becomes a TOML comment.
config-file-header = fedrec node configuration, written by `fedrec init`.
    Settings resolve as: defaults, this file, environment (FEDREC_API, FEDREC_LISTEN,
    FEDREC_MDNS), then command-line flags. Unknown keys are errors.
config-file-role = What this node is: ministry, recommender or field-office.
config-file-name = A name for people and logs.
config-file-recommender = The recommender this node acts for, as the ministry's roster names it.
config-file-data-dir = Where the key, the database and the attachments live (relative to this file).
config-file-listen = p2p listen addresses (multiaddrs): peers connect here.
config-file-api = The local HTTP API for the CLI and the bureau's programs, loopback only. Callers
    authenticate with the token the daemon writes to .cookie in this directory.
config-file-mdns = Find peers on the LAN by multicast DNS (it multicasts on every interface).
config-file-peers = Other nodes to keep connected, as MULTIADDR/p2p/PEER_ID (a field office names its HQ).
config-file-batch-files = Batch definition files this node may validate against before the ministry's arrive.
config-file-max-attachment-bytes = Largest attachment stored, in bytes.
config-file-sync-interval-secs = Seconds between anti-entropy sync rounds.
config-file-ministry = The ministry: its address and its key, the trust root every roster is checked against.
config-file-ui = The web interface for other machines, over TLS only (off; README: "Opening the interface to the office's network").
# Who made a change in a record's history (node/src/node.rs describe_actor).
history-actor-unknown = unknown actor { $actor }
history-actor-this-node = { $name } (this node)
history-actor-ministry = the ministry
history-actor-grant = { $recommender } { $role } ({ $id })
history-actor-node = node { $id }
