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

## 人社部：发布、名册与批次

ui-nav-published = 公布名单
ui-nav-roster = 名册
ui-nav-batches = 批次
ui-published-title = 第{ $batch }批基地公布名单
ui-published-none = 本批次尚未公布名单。
ui-col-subsidy = 补助金额（元）
ui-publish = 公布已认定的基地
ui-publish-heading = 公布第{ $batch }批基地名单
ui-publish-means = 公布时，人社部以本节点密钥签署下列名单，并发送到联盟的每个节点，各推荐单位均可看到。每个基地按受理时的信息和补助金额公布。此后认定的基地可再次公布时加入；已公布的基地不能撤回。
ui-publish-nothing = 第{ $batch }批尚无已认定的申报：没有可公布的内容。
ui-publish-base = { $institution }（{ $code }），{ $recommender }：{ $yuan } 元
ui-confirm-publish = 立即公布
ui-done-publish = 已公布 { $count } 个基地。
ui-roster-title = 名册
ui-roster-version = 名册第 { $version } 版
ui-roster-recommenders = 推荐单位
ui-roster-keys = 节点密钥
ui-col-id = 代码
ui-col-name = 名称
ui-col-kind = 类别
ui-col-key = 密钥
ui-col-role = 角色
ui-col-rights = 权限
ui-col-actions = 变更
ui-right-submits = 可报送和撤回
ui-right-edits = 仅可起草
ui-right-revoked = 已吊销（第 { $after } 条之后无效）
ui-roster-add = 添加推荐单位及其密钥
ui-roster-id = 推荐单位代码
ui-roster-name = 推荐单位名称
ui-roster-kind = 推荐单位类别
ui-roster-key = 节点密钥（可不填）
ui-roster-role = 密钥角色
ui-roster-may-submit = 派出机构的密钥可报送和撤回
ui-roster-add-submit = 添加…
ui-roster-grant = 授予报送权…
ui-roster-ungrant = 收回报送权…
ui-roster-revoke = 吊销…
ui-roster-after = 最后有效位置
ui-roster-add-heading = 将{ $name }（{ $id }）加入名册
ui-roster-add-means = 人社部将签署包含该推荐单位（{ $kind }）的新版名册，各节点在下一轮同步时收到。
ui-roster-add-key-means = 密钥 { $key } 成为该推荐单位的{ $role }密钥：其节点可填写该单位的申报{ $submits ->
        [yes] ，并可报送和撤回
       *[no] {""}
    }。
ui-roster-grant-heading = 授予密钥 { $key } 报送权
ui-roster-grant-means = 持有该密钥的派出机构此后可自行报送和撤回所属推荐单位的申报；人社部将其计入该推荐单位的名额，与总部报送的相同。
ui-roster-ungrant-heading = 收回密钥 { $key } 的报送权
ui-roster-ungrant-means = 持有该密钥的派出机构仍可起草和修改；此后其报送和撤回将作为未经授权而被拒绝。
ui-roster-revoke-heading = 吊销密钥 { $key }
ui-roster-revoke-means = 各节点收到本名册后，该密钥在其记录第 { $after } 条之后签署的内容一律拒收；此前的内容仍然有效。吊销不能撤销。
ui-confirm-roster = 签署新版名册
ui-done-roster = 名册已更新为第 { $version } 版。
ui-box-problem = “{ $box }”：{ $problem }
ui-box-empty = 不能为空
ui-box-unknown = “{ $value }”不是可选的值
ui-batches-title = 批次
ui-batches-none = 尚未发布批次。
ui-col-batch = 批次
ui-col-title = 名称
ui-col-version = 版本
ui-col-deadline = 截止时间
ui-batch-file = 批次定义（TOML）
ui-batch-check = 检查…
ui-batch-heading = 发布第{ $batch }批：{ $title }
ui-batch-means = 人社部将签署此批次定义并发送到每个节点，各推荐单位将其视为当前批次。截止时间：{ $deadline }；每个推荐单位可推荐 { $quota } 个；补助上限 { $cap } 元；重点领域：{ $areas }。如该批次已发布，本次发布为其新版本，并在各节点取代旧版。
ui-confirm-batch = 发布批次
ui-done-batch = 第{ $batch }批已发布。
ui-download-csv = 下载本表（CSV）
ui-download-xlsx = 下载本表（Excel）

## 申报表附件

ui-attachment-kind = 附件类别
ui-attachment-file = 文件
ui-attachment-size = 大小
ui-attachment-hash = BLAKE3 哈希值
ui-attachment-upload = 上传
ui-bytes = { $bytes } 字节
ui-done-attach = 附件已上传。
ui-attachment-none = 请选择要上传的文件
ui-attachment-empty = 文件为空
ui-attachment-bad-name = 文件名须为 1 至 { $max } 个字符，且不含控制字符
ui-attachment-too-large = 文件超过本节点允许的大小（{ $limit } 字节）
ui-upload-broken = 上传内容不是带文件的表单；请重新选择文件后上传。
ui-history-was = 原为
ui-history-now = 改为
ui-history-empty = （空）
