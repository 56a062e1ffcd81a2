# 网页界面（node/src/ui 与 node/templates）。

ui-title = 国家级专业技术人员继续教育基地推荐
ui-skip = 跳到正文
ui-home = 首页
ui-decisions = 全国推荐情况
ui-sign-out = 退出
ui-signed-in-as = { $name }（{ $role }）
ui-role-editor = 填报员
ui-role-approver = 审核人
ui-role-reviewer = 评审员
ui-role-administrator = 管理员
ui-language = English
ui-offline = 本节点暂不能写入：正在等待同伴确认本节点的记录，或本节点已关闭写入。可以查看，但暂不能保存修改。

ui-batch = 第{ $number }批：{ $title }
ui-no-batch = 本节点还没有批次定义；请导入人社部的名册包。
ui-deadline = 截止时间：{ $deadline }
ui-left = 还剩 { $days } 天 { $hours } 小时
ui-closed = 已截止
ui-quota = 每个推荐单位限推荐 { $quota } 个备选单位；补助经费最高 { $cap } 元
ui-quota-holder = 占用名额的申报：{ $holder }
ui-quota-free = 名额尚未被占用
ui-records = 本单位的申报
ui-no-records = 还没有申报。
ui-new = 新建申报
ui-col-institution = 申报单位
ui-col-code = 统一社会信用代码
ui-col-status = 状态
ui-col-verdict = 人社部结论
ui-col-reason = 理由
ui-col-updated = 最后修改
ui-col-recommender = 推荐单位
ui-open = 打开
ui-sync = 同步
ui-sync-peers = 已连接的同伴：{ $count }
ui-sync-peer = { $peer }：最近一轮 { $round }，对方尚缺 { $pending } 条
ui-sync-never = 尚无
ui-sync-none = 当前没有连接任何同伴。

ui-editor-new = 新建申报表
ui-editor = 申报表：{ $institution }
ui-save = 保存
ui-saved = 已保存。
ui-not-saved = 未保存：请按各栏提示修改后再保存。
ui-count = { $count } / { $limit } 字
ui-choose = 请选择
ui-yes = 是
ui-no = 否
ui-subsidy = 申请 { $asked } 元，上限 { $cap } 元
ui-areas-hint = 可选多项，只能从本批次的重点领域中选择
ui-frozen = 本申报已提交，不能修改；如需修改，请先撤回。
ui-editor-only = 您是填报员：可以填写和保存，提交和撤回须由审核人操作。
ui-history = 修改记录
ui-print = 打印页
ui-attachments = 附件
ui-no-attachments = 没有附件。

ui-submit = 提交
ui-withdraw = 撤回
ui-confirm-submit = 确认提交
ui-confirm-withdraw = 确认撤回
ui-cancel = 返回，不操作
ui-submit-means = 提交后，本申报由本节点签名发送人社部，占用本单位第{ $number }批的推荐名额（每个推荐单位限 { $quota } 个，按人社部收到的先后计）。同一单位不得经两个推荐单位申报。人社部在 { $deadline } 之后收到的提交为逾期。提交后不能修改，如需修改须先撤回。
ui-withdraw-means = 撤回后，本申报不再占用名额，人社部将其判为“已撤回”；截止时间（{ $deadline }）前可以修改后再次提交，或提交另一个备选单位。截止时间之后收到的撤回不计。
ui-done-submit = 已提交。
ui-done-withdraw = 已撤回。
ui-refused = 未能完成：{ $reason }

ui-history-title = 修改记录：{ $institution }
ui-col-when = 时间
ui-col-who = 操作人
ui-col-node = 节点
ui-col-boxes = 修改的栏目
ui-nobody = （未署名）

ui-not-allowed = 您的角色（{ $role }）不能做这件事。
ui-not-found = 找不到这条记录。
ui-signed-out = 已退出。要再次登录，请在本节点的电脑上运行 fedrec ui 并打开它显示的链接。
ui-link-refused = 登录链接无效、已用过或已过期。请在本节点的电脑上再次运行 fedrec ui。

ui-decisions-title = 全国推荐情况
ui-counts = 各结论数量
ui-filter = 筛选
ui-filter-verdict = 结论
ui-filter-search = 单位名称或信用代码
ui-all = 全部
ui-col-review = 评审

## 人社部：评审与认定

ui-review-heading = 专家评审
ui-review-expert = 评审专家
ui-review-score = 评分（0–100）
ui-review-opinion = 评审意见
ui-review-submit = 记录评审
ui-recognise-heading = 认定为国家级继续教育基地
ui-recognise-means = 认定后，该单位将列入本批次的基地名单，按所填金额给予补助；本批次补助上限为 { $cap } 元。发布名单前，认定结果仅保存在人社部节点上。
ui-recognise-subsidy = 补助金额（元）
ui-recognise-submit = 认定
ui-decline-heading = 不予认定
ui-decline-reason = 理由
ui-decline-submit = 不予认定
ui-back-to-decisions = 返回全国汇总表
ui-done-review = 评审已记录。
ui-done-recognise = 已认定。
ui-done-decline = 已记录不予认定。
ui-not-a-number = “{ $box }”须为整数。
ui-sync-seconds-ago = { $seconds } 秒前
