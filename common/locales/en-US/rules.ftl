# Statuses, verdicts and their reasons, review states.

## Record statuses

status-draft = draft
status-submitted = submitted
status-withdrawn = withdrawn
status-none = none

## Verdicts

verdict-accepted = accepted
verdict-rejected = rejected (quota)
verdict-conflict = conflict
verdict-late = late
verdict-invalid = invalid
verdict-unauthorised = unauthorised
verdict-withdrawn = withdrawn
verdict-provisional = provisional
verdict-none = no submission

## Reasons

reason-accepted = within the recommender's quota, no other recommender put this institution forward
reason-quota = quota exceeded: { $quota ->
        [1] one recommendation
       *[other] { $quota } recommendations
    } per recommender per batch (每个地区、部门和中央企业限推荐一个备选单位), already held by { $holders }
reason-conflict = no multi-channel application (不得多头申报): institution { $code } was recommended by { $recommenders }
reason-late = received { $received }, after the deadline { $deadline }
reason-invalid = invalid application: { $problems }
reason-unauthorised = the submitting key is not authorised by the roster: { $detail }
reason-withdrawn = withdrawn by the recommender
reason-provisional = waiting for the ministry's receipt
reason-none = { $drafts } drafts, nothing submitted

## Expert review and recognition

review-scores = { $count } review(s), mean score { $mean }
review-recognised = recognised, { $yuan } yuan
review-declined = declined: { $reason }

## How a validation problem is written: the box's label (its stable path): the problem

field-problem = { $path } ({ $label }): { $problem }
