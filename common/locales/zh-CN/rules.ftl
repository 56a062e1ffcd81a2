# 状态、结论及其理由、评审状态。结论理由尽量采用通知原文的措辞：
# “每个地区、部门和中央企业限推荐一个备选单位”“不得多头申报”“请于……前……完成网上申报”。

## 记录状态

status-draft = 草稿
status-submitted = 已提交
status-withdrawn = 已撤回
status-none = 未提交

## 结论

verdict-accepted = 受理
verdict-rejected = 超出推荐名额
verdict-conflict = 多头申报
verdict-late = 逾期
verdict-invalid = 申报表有误
verdict-unauthorised = 未经授权
verdict-withdrawn = 已撤回
verdict-provisional = 待回执
verdict-none = 未申报

## 结论理由

reason-accepted = 在本推荐单位名额内（每个地区、部门和中央企业限推荐一个备选单位），且无其他推荐单位推荐该单位
reason-quota = 每个地区、部门和中央企业限推荐{ $quota ->
        [1] 一个
       *[other] { $quota }个
    }备选单位：本推荐单位名额已由记录 { $holders } 占用
reason-conflict = 不得多头申报：统一社会信用代码为 { $code } 的单位同时由 { $recommenders } 推荐
reason-late = 逾期不予受理：人社部于 { $received } 收到，晚于截止时间 { $deadline }（须于截止时间前完成网上申报）
reason-invalid = 申报表有误：{ $problems }
reason-unauthorised = 提交密钥未经名册授权：{ $detail }
reason-withdrawn = 推荐单位已撤回
reason-provisional = 等待人社部回执
reason-none = { $drafts } 份草稿，尚未提交

## 专家评审与认定

review-scores = 专家评审 { $count } 份，平均分 { $mean }
review-recognised = 已认定，补助 { $yuan } 元
review-declined = 未予认定：{ $reason }

## 校验问题的写法：栏目名称（稳定路径）：问题

field-problem = { $label }（{ $path }）：{ $problem }
