# The web interface (node/src/ui and node/templates).

ui-title = National continuing-education bases: recommendations
ui-skip = Skip to the content
ui-home = Home
ui-decisions = Nationwide recommendations
ui-sign-out = Sign out
ui-signed-in-as = { $name } ({ $role })
ui-role-editor = editor
ui-role-approver = approver
ui-role-reviewer = reviewer
ui-role-administrator = administrator
ui-language = 中文
ui-offline = This node cannot write yet: it is waiting for a peer to confirm its records, or writing is closed. You can look, but changes cannot be saved for now.

ui-batch = Batch { $number }: { $title }
ui-no-batch = This node has no batch definition yet; import the ministry's roster bundle.
ui-deadline = Deadline: { $deadline }
ui-left = { $days } days { $hours } hours left
ui-closed = Closed
ui-quota = Each recommender may recommend { $quota } candidate(s); the subsidy is at most { $cap } yuan
ui-quota-holder = Holding the quota: { $holder }
ui-quota-free = Nobody holds the quota yet
ui-records = This office's applications
ui-no-records = No applications yet.
ui-new = New application
ui-col-institution = Institution
ui-col-code = Credit code
ui-col-status = Status
ui-col-verdict = Ministry's verdict
ui-col-reason = Reason
ui-col-updated = Last change
ui-col-recommender = Recommender
ui-open = Open
ui-sync = Sync
ui-sync-peers = Connected peers: { $count }
ui-sync-peer = { $peer }: last round { $round }, { $pending } entries waiting
ui-sync-never = none yet
ui-sync-none = No peer is connected.

ui-editor-new = New application form
ui-editor = Application: { $institution }
ui-save = Save
ui-saved = Saved.
ui-not-saved = Not saved: correct the boxes marked below, then save again.
ui-count = { $count } / { $limit } characters
ui-choose = Choose
ui-yes = Yes
ui-no = No
ui-subsidy = { $asked } yuan asked, at most { $cap } yuan
ui-areas-hint = Choose one or more of the batch's key areas
ui-frozen = This application is submitted and cannot be changed; withdraw it first to change it.
ui-editor-only = You are an editor: you can fill in and save; an approver submits and withdraws.
ui-history = History
ui-print = Printable page
ui-attachments = Attachments
ui-no-attachments = No attachments.

ui-submit = Submit
ui-withdraw = Withdraw
ui-confirm-submit = Submit now
ui-confirm-withdraw = Withdraw now
ui-cancel = Go back without doing it
ui-submit-means = Submitting signs this application with this node's key and sends it to the ministry; it takes this recommender's quota for batch { $number } ({ $quota } per recommender, in the order the ministry receives them). The same institution may not apply through two recommenders. A submission the ministry receives after { $deadline } is late. A submitted application cannot be changed: withdraw it first.
ui-withdraw-means = Withdrawing gives the quota back; the ministry marks the application withdrawn. Before the deadline ({ $deadline }) you may change it and submit again, or submit another candidate. A withdrawal received after the deadline does not count.
ui-done-submit = Submitted.
ui-done-withdraw = Withdrawn.
ui-refused = Not done: { $reason }

ui-history-title = History: { $institution }
ui-col-when = When
ui-col-who = Who
ui-col-node = Node
ui-col-boxes = Boxes changed
ui-nobody = (not named)

ui-not-allowed = Your role ({ $role }) may not do this.
ui-not-found = No such record.
ui-signed-out = Signed out. To sign in again, run fedrec ui on this node's machine and open the link it prints.
ui-link-refused = This login link is unknown, used already or expired. Run fedrec ui again on this node's machine.

ui-decisions-title = Nationwide recommendations
ui-counts = Count per verdict
ui-filter = Filter
ui-filter-verdict = Verdict
ui-filter-search = Institution or credit code
ui-all = All
ui-col-review = Review

## The ministry: review and recognition

ui-review-heading = Expert review
ui-review-expert = Expert
ui-review-score = Score (0–100)
ui-review-opinion = Opinion
ui-review-submit = Record the review
ui-recognise-heading = Recognise as a national continuing-education base
ui-recognise-means = Recognised, the institution joins this batch's list of bases with the subsidy given here; the batch's cap is { $cap } yuan. Until the list is published, the recognition stays on the ministry's node.
ui-recognise-subsidy = Subsidy (yuan)
ui-recognise-submit = Recognise
ui-decline-heading = Decline
ui-decline-reason = Reason
ui-decline-submit = Decline
ui-back-to-decisions = Back to the nationwide table
ui-done-review = The review is recorded.
ui-done-recognise = Recognised.
ui-done-decline = Declined.
ui-not-a-number = “{ $box }” must be a whole number.
ui-sync-seconds-ago = { $seconds } s ago

## The ministry's administration: publication, roster, batches

ui-nav-published = Published list
ui-nav-roster = Roster
ui-nav-batches = Batches
ui-published-title = Published list of bases, batch { $batch }
ui-published-none = Nothing is published for this batch yet.
ui-col-subsidy = Subsidy (yuan)
ui-publish = Publish the recognised bases
ui-publish-heading = Publish batch { $batch }'s list of bases
ui-publish-means = Publishing signs the list below with the ministry's key and sends it to every node of the federation, where every bureau sees it. Each base is published as it was receipted, with its subsidy. A base recognised later can be added by publishing again; a published base cannot be taken back.
ui-publish-nothing = No record of batch { $batch } is recognised yet: there is nothing to publish.
ui-publish-base = { $institution } ({ $code }), { $recommender }: { $yuan } yuan
ui-confirm-publish = Publish now
ui-done-publish = Published: { $count } base(s).
ui-roster-title = Roster
ui-roster-version = Roster version { $version }
ui-roster-recommenders = Recommenders
ui-roster-keys = Keys
ui-col-id = Code
ui-col-name = Name
ui-col-kind = Kind
ui-col-key = Key
ui-col-role = Role
ui-col-rights = Rights
ui-col-actions = Change
ui-right-submits = submits and withdraws
ui-right-edits = drafts only
ui-right-revoked = revoked after position { $after }
ui-roster-add = Add a recommender and its key
ui-roster-id = Recommender code
ui-roster-name = Recommender's name
ui-roster-kind = Kind of recommender
ui-roster-key = Node key (optional)
ui-roster-role = The key's role
ui-roster-may-submit = A field office's key may submit and withdraw
ui-roster-add-submit = Add…
ui-roster-grant = Allow to submit…
ui-roster-ungrant = Take back the right to submit…
ui-roster-revoke = Revoke…
ui-roster-after = Last valid position
ui-roster-add-heading = Add { $name } ({ $id }) to the roster
ui-roster-add-means = The ministry signs a new version of the roster with this recommender, as { $kind }. Every node receives it in its next round.
ui-roster-add-key-means = Key { $key } becomes this recommender's { $role } key: its node may then write this recommender's records{ $submits ->
        [yes] , and submit and withdraw them
       *[no] {""}
    }.
ui-roster-grant-heading = Allow key { $key } to submit
ui-roster-grant-means = The field office with this key may then submit and withdraw its recommender's applications itself; the ministry counts them against the recommender's quota like the headquarters' own.
ui-roster-ungrant-heading = Take back key { $key }'s right to submit
ui-roster-ungrant-means = The field office with this key may still draft and edit; its submissions and withdrawals from now on are refused as unauthorised.
ui-roster-revoke-heading = Revoke key { $key }
ui-roster-revoke-means = Entries this key signs after position { $after } of its feed are refused by every node from the moment they receive this roster. Entries up to that position stay valid. A revocation cannot be undone.
ui-confirm-roster = Sign the new roster
ui-done-roster = The roster is now version { $version }.
ui-box-problem = “{ $box }”: { $problem }
ui-box-empty = must be filled in
ui-box-unknown = “{ $value }” is not one of the choices
ui-batches-title = Batches
ui-batches-none = No batch is published yet.
ui-col-batch = Batch
ui-col-title = Title
ui-col-version = Version
ui-col-deadline = Deadline
ui-batch-file = Batch definition (TOML)
ui-batch-check = Check…
ui-batch-heading = Publish batch { $batch }: { $title }
ui-batch-means = The ministry signs this definition and sends it to every node; bureaus see it as their open batch. Deadline: { $deadline }; { $quota } candidate(s) per recommender; subsidy cap { $cap } yuan; key areas: { $areas }. If this batch is already published, this becomes its next version and replaces it everywhere.
ui-confirm-batch = Publish the batch
ui-done-batch = Batch { $batch } is published.
ui-download-csv = Download these rows (CSV)
ui-download-xlsx = Download these rows (Excel)

## The editor's attachments

ui-attachment-kind = Kind of attachment
ui-attachment-file = File
ui-attachment-size = Size
ui-attachment-hash = BLAKE3 hash
ui-attachment-upload = Upload
ui-bytes = { $bytes } bytes
ui-done-attach = The file is attached.
ui-attachment-none = choose a file to upload
ui-attachment-empty = the file is empty
ui-attachment-bad-name = the file's name must have 1 to { $max } characters and no control characters
ui-attachment-too-large = the file is larger than this node accepts ({ $limit } bytes)
ui-upload-broken = The upload did not arrive as a form with a file; choose the file and upload it again.
ui-history-was = was
ui-history-now = now
ui-history-empty = (empty)
