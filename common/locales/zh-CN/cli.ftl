# 导出的表格、打印的申报表和命令行的提示。

## 全国汇总表（CSV、Excel）

export-sheet = 推荐汇总
export-heading-recommender-code = 推荐单位代码
export-heading-recommender = 推荐单位
export-heading-record = 记录
export-heading-institution = 申报单位
export-heading-credit-code = 统一社会信用代码
export-heading-status = 状态
export-heading-verdict = 结论
export-heading-reason = 理由
export-heading-review = 评审

## 打印的申报表

print-title = 国家级专业技术人员继续教育基地申报表
print-heading-line1 = 国家级专业技术人员继续教育基地
print-heading-line2 = 申 报 表
print-applicant = 申报单位：{ $value }
print-recommender = 推荐单位：{ $value }
print-filled-on = 填表日期：{ $value }
print-applicant-signature = 申报单位负责人签字：________　　年　月　日　（公章）
print-recommender-part = 以下由推荐单位填写
print-recommender-signature = 推荐单位负责人签字：________　　年　月　日　（公章）
print-attachments = 附件
print-yes = 是
print-no = 否
print-yuan = { $yuan } 元

## 命令行：通用

cli-error = 错误：{ $error }
cli-refused = 被拒绝（{ $status }）：{ $message }
cli-not-running = 没有为 { $data } 运行的 fedrec 守护进程：请用 `fedrec run --data { $data }` 启动
cli-unreachable = { $api } 的守护进程没有应答（{ $reason }）；`fedrec run` 是否仍在运行？
cli-server-failed = 守护进程出错：{ $detail }
cli-protocol = 守护进程的应答无法理解：{ $detail }
cli-credential = { $detail }；请以守护进程的用户身份运行此命令
cli-cannot-read = { $file }：无法读取
cli-cannot-write = { $file }：无法写入
cli-unexpected-answer = 意外的应答：{ $answer }
role-ministry = 人社部
role-recommender = 推荐单位
role-field-office = 外派机构
kind-province = 省级人社部门
kind-department = 国务院部门
kind-central-enterprise = 中央企业
kind-association = 行业协会
kind-institute = 科研院所
key-role-hq = 总部
key-role-field-office = 派出机构

## 命令行：节点

cli-init-created = 已在 { $dir } 创建{ $role }节点
cli-node-id = 节点 ID：{ $id }
cli-peer-id = 对等节点 ID：{ $id }
cli-wait-ready = { $data } 的守护进程已在 { $api } 应答，可以写入
cli-wait-not-writable = { $data } 的守护进程已应答，但还不能写入：{ $secs } 秒内没有对等节点确认它自己的数据流头（如须单独工作，请用 `fedrec run --offline` 启动）
cli-wait-no-answer = { $secs } 秒内 { $data } 没有守护进程应答
cli-status-node = 节点：      { $name }（{ $role }）
cli-status-node-id = 节点 ID：   { $id }
cli-status-peer-id = 对等 ID：   { $id }
cli-status-recommender = 推荐单位：  { $recommender }
cli-status-roster = 名册：      第 { $version } 版
cli-status-roster-issued = 名册：      第 { $version } 版，签发于 { $issued }（{ $hours } 小时前）
cli-status-no-roster = 名册：      尚无（请用 `fedrec roster import` 导入人社部的名册包）
cli-status-batches = 批次：      { $batches }
cli-status-feeds = 数据流：    { $count }
cli-status-feed = { $author } { $topic } 至 { $seq }
cli-status-records = 记录：      { $records }
cli-status-record-count = { $count } 份{ $status }
cli-status-quarantine = 隔离区：    { $count }
cli-status-peers = 对等节点：  { $count }
cli-status-peer = { $peer }（节点 { $node }），上一轮 { $round }，{ $pending }
cli-status-pending = 待发送给它的条目 { $count } 条
cli-status-pending-unknown = 待发送条目数尚不清楚
cli-none = 无
cli-none-yet = 尚无
cli-verified = 已核验 { $entries } 个条目：所有签名和哈希链均完好

## 命令行：人社部的结论与评审

cli-reviewed = 已记录 { $expert } 对 { $id } 的评审：{ $score } 分
cli-recognised = { $id } 已认定，补助 { $yuan } 元
cli-declined = { $id } 未予认定：{ $reason }
cli-published = 已公布第{ $batch }批认定的 { $count } 个基地
cli-no-published = 本节点尚无第{ $batch }批的公布名单
cli-published-line = { $recommender }  { $code }  { $institution }  { $yuan } 元
cli-exported = 已将第{ $batch }批的 { $count } 行写入 { $file }

## 命令行：申报记录

cli-edit-needs = 请给出 --file 文件 或至少一个 --set 路径=值
cli-set-shape = --set '{ $item }' 不是 路径=值 的形式
cli-record-updated = 记录 { $id } 已更新（{ $entries } 个条目）
cli-no-records = 没有记录
cli-record-line = { $id }  第{ $batch }批  { $status }  { $code }  { $institution }  更新于 { $updated }
cli-names-no-file = { $file } 不是文件
cli-attached = 已将 { $name } 附到记录 { $id }（共 { $count } 个附件）
cli-printed = 已将可打印的申报表 { $id } 写入 { $file }
cli-record-now = 记录 { $id } 现为{ $status }
cli-valid = { $file }：第{ $batch }批（{ $title }）的有效申报表：{ $name } { $code }
cli-problems = { $file }：{ $count } 个问题：
cli-no-shipped-batch = fedrec 未附带第{ $batch }批的定义；请用 --batch-file 文件 指定

## 命令行：名册、批次、离线传递

cli-roster-now = 名册现为第 { $version } 版
cli-roster-revoked = 密钥已在位置 { $after } 之后撤销；名册现为第 { $version } 版
cli-roster-may-submit = 密钥 { $key } 现可提交和撤回；名册现为第 { $version } 版
cli-roster-may-not-submit = 密钥 { $key } 不再可以提交和撤回；名册现为第 { $version } 版
cli-roster-role-may-submit = { $role }，可提交
cli-roster-version = 名册第 { $version } 版（人社部 { $ministry }）
cli-roster-written = 已将签名的名册和 { $count } 个批次定义写入 { $file }
cli-not-roster-bundle = { $file }：不是名册包
cli-roster-imported = 已导入第 { $version } 版名册，含 { $count } 个批次定义
cli-roster-key = 密钥 { $key } { $role }{ $revoked }
cli-roster-key-revoked = ，在位置 { $after } 之后撤销
cli-batch-published = 已发布第{ $batch }批，由本人社部节点签名
cli-batch-title = 第{ $batch }批：{ $title }
cli-batch-deadline = 截止时间：{ $deadline }（之后收到的申报逾期不予受理）
cli-batch-areas = 重点领域（{ $count } 个）：{ $areas }
cli-batch-quota = 每个推荐单位限推荐：{ $quota } 个
cli-batch-cap = 补助上限：{ $yuan } 元
cli-not-heads-file = { $file }：不是数据流头文件
cli-bundle-written = 已将 { $entries } 个签名条目（{ $bytes } 字节）写入 { $file }
cli-bundle-imported = 新增 { $accepted } 个，已有 { $duplicates } 个，等待更早条目 { $early } 个，拒收 { $refused } 个（隔离情况见 `fedrec status`）
cli-heads-written = 已将 { $count } 个数据流头写入 { $file }
cli-migrate-no-db = { $path }：此处没有可升级的数据库
cli-migrate-current = { $data }：数据库已是第 { $version } 版结构
cli-migrate-done = { $data }：数据库已从第 { $from } 版结构升级到第 { $to } 版（改写 { $rows } 个键）；升级前的数据库保存在 { $backup }
cli-backup-exists = { $path } 已存在；请指定一个新的备份目录
cli-backup-done = 节点 { $node }（{ $name }）的备份已写入 { $path }，不含节点密钥
cli-backup-done-with-key = 节点 { $node }（{ $name }）的备份已写入 { $path }，含节点密钥：请像保管密钥本身一样保管它
cli-restore-done = 节点 { $node } 已恢复到 { $data }：已核验 { $entries } 个条目；不带 --offline 启动后，待对等节点确认其数据流即可写入
cli-restore-no-key = 备份中没有节点密钥：启动前请将节点密钥放到 { $path }（权限 0600），或恢复时用 --key FILE 指定

## fedrec ui

cli-ui-link = { $user }（{ $role }）的登录链接，{ $minutes } 分钟内有效，只能使用一次：
cli-ui-link-remote = 从其他计算机经 TLS 访问（同一链接，总共只能使用一次）：
cli-ui-no-user = 请用 --user 说明登录的人是谁
cli-ui-cannot-open = 无法打开浏览器；请把上面的链接复制到本机的浏览器中打开

## 演示（fedrec demo）

demo-starting = 启动 { $office } 的节点
demo-no-record-id = 本地接口新建了记录，但没有给出记录编号
demo-no-credit-code = 没有哪个有效的统一社会信用代码以 { $body } 为本体
demo-bad-application = 演示用的申报表：{ $error }
demo-no-free-port = 本机回环地址上 { $first } 到 { $last } 之间没有空闲端口
demo-dir-not-empty = { $dir } 不是空目录：演示只在新的或空的目录中创建节点
demo-command-status = fedrec --data { $dir }  status      # 本地接口 http://{ $api }
demo-command-decisions = fedrec --data { $dir } decisions      # 受理结论
demo-wrong-verdict = { $record }：应为 { $verdict }，人社部显示为 { $shown }
demo-problem = 演示：{ $problem }
demo-stopping-failed = 停止 { $name } 时出错：{ $error }
demo-intro = fedrec 演示：一个人社部节点、五个推荐单位和一个派出机构，各是一个完整节点，数据在 { $dir }
demo-ministry-up = 人社部节点已启动：{ $address }
demo-roster-signed = 人社部已签发名册：五个推荐单位的 { $count } 个节点（浦东派出机构有权报送）
demo-batch-published = 已发布第六批的演练批次：截止时间 { $deadline }（{ $seconds } 秒后），补助上限 500 万元
demo-online = 五个节点在线；浦东派出机构和中国石油离线工作
demo-roster-held = 每个在线节点都已持有名册和批次
demo-shanghai-submits = 上海总部报送 { $record }：上海集成电路产业技术继续教育学院
demo-pudong-signs = 浦东派出机构离线签署了上海的第二份报送 { $record }
demo-same-institution = 广东（{ $guangdong }）和四川（{ $sichuan }）都推荐了电子科技大学继续教育学院（{ $code }）
demo-miit-withdraws = 工业和信息化部报送 { $record }，随后撤回以修改申报表
demo-receipted = 人社部已收到在线报送，按到达顺序逐一签收
demo-pudong-reconnects = 浦东派出机构重新连上上海总部
demo-pudong-through-hq = 它的报送经由总部送达人社部，晚于总部自己的报送
demo-cap-lowered = 人社部重新发布演练批次，补助上限降为 400 万元
demo-cnpc-submits = 中国石油在旧上限下离线报送 { $record }，申请 480 万元
demo-cnpc-reconnects = 中国石油重新上线；人社部按它所持的上限核对申请金额
demo-too-slow = 截止前的报送用时超过了 --deadline-secs { $seconds }；请用更大的值重新运行演示
demo-waiting-deadline = 等待 { $seconds } 秒，直到截止时间过去
demo-miit-late = 工业和信息化部在截止后报送修改后的申报表 { $record }
demo-table = 人社部的全国汇总表（fedrec --data { $dir }/ministry decisions）：
demo-field-verdicts = 上海派出机构显示人社部的结论
demo-all-right = 每个结论都符合规则，上海派出机构显示的也相同；共 { $nodes } 个节点，磁盘占用 { $megabytes } MB
demo-waiting = … 正在等待{ $what }：{ $progress }
demo-gave-up = 等待{ $what }超过 { $seconds } 秒，已放弃（{ $progress }）
demo-hear-from-peer = { $office } 收到对等节点的消息
demo-waiting-roster = 正在等待名册和批次
demo-verdict-on = 人社部对 { $record } 的结论
demo-verdict-now = 目前为 { $verdict }
demo-verdict-not-yet = 尚未送达
demo-keep-running = 各节点仍在运行；可以试试：
demo-login-link = { $office } 的网页界面，以 { $user } 身份登录（链接只能用一次，5 分钟内有效；`fedrec --data { $data } ui` 可再给出一个）：
demo-no-login-link = 无法为 { $office } 生成登录链接：{ $error }
demo-ctrl-c = 按 Ctrl-C 停止它们。
demo-data-kept = 各节点的数据保留在 { $dir }；可用 `fedrec run --data { $dir }/OFFICE` 启动其中任一节点。
demo-data-removed = 已停止所有节点并删除临时数据目录。
cli-seconds-ago = { $seconds } 秒前
# `fedrec init`, the daemon's start-up and stop (node/src/daemon.rs), worded with `tr` in the
# language of the run.
daemon-key-exists = { $file } 已存在：拒绝覆盖节点密钥（如需重新创建节点，请先把它移走）
daemon-cannot-create = 无法创建 { $path }
daemon-cannot-listen-remote = 无法在 { $address } 上为网页界面监听（ui.remote_listen）
daemon-cannot-make-private = 无法把 { $path } 设为仅本用户可访问（权限 0700）
daemon-not-peer-id = “{ $peer }”不是 libp2p 节点标识（peer id）
daemon-peer-without-key = 节点标识 { $peer } 中不含它的公钥
daemon-peer-not-ed25519 = 节点标识 { $peer } 不是 ed25519 密钥
daemon-ministry-for-others = --ministry 只用于推荐单位和外派机构的节点
daemon-ministry-required = 必须给出 --ministry 多地址/p2p/节点标识：人社部节点的地址和身份是本节点的信任根
daemon-ministry-without-peer = --ministry “{ $address }”须以 /p2p/节点标识 结尾
daemon-ministry-is-self = --ministry 指向的是本节点自己
daemon-no-config = { $file } 不存在：请先用 `fedrec init --data { $data }` 创建节点
daemon-cannot-read-key = 无法读取节点密钥 { $file }
daemon-not-a-key = { $file } 不是节点密钥
daemon-key-mode = 节点密钥 { $file } 的权限为 { $mode }，其他用户可以读取，拒绝启动。请用 `chmod 600 { $file }` 修正（如果已有他人读取过，应视为密钥已经泄露）
daemon-cannot-migrate = 无法把数据库 { $path } 升级到当前版本
daemon-cannot-open = 无法打开 { $file }
daemon-already-running = 已有另一个 fedrec 守护进程在 { $data } 上运行
daemon-already-running-pid = 已有另一个 fedrec 守护进程在 { $data } 上运行（进程号 { $pid }，本地接口 { $api }）
daemon-task-failed = 节点任务失败：{ $detail }
daemon-restored-offline = { $data }：本节点是从备份恢复的，尚未从其他节点得知自己数据流的最新位置；`--offline` 可能让它在已经用过的位置再次签名（使数据流分叉）。请不带 --offline 启动，其他节点确认其数据流之后即可写入
daemon-cannot-open-db = 无法打开数据库 { $path }
daemon-cannot-listen = 无法在 { $api } 上监听本地接口
net-cannot-listen = 无法在 { $address } 上监听对等节点（fedrec.toml 的 listen）：{ $reason }
daemon-cannot-draw-token = 无法生成本地接口的令牌
daemon-cannot-write-cookie = 无法在 { $data } 中写入本地接口的凭据（.cookie）
daemon-api-failed = 本地接口服务出错
daemon-not-multiaddr = “{ $address }”不是多地址（multiaddr）
# Backups and restores (node/src/backup.rs).
backup-not-a-backup = { $dir } 不是 fedrec 备份（没有可读的 { $manifest }；中断的备份留在 BACKUP.partial 中）
backup-not-a-manifest = { $file } 不是备份清单
backup-lacks = 备份 { $dir } 中缺少 { $needed }
backup-key-missing = 备份 { $dir } 的清单说其中有密钥，但没有 { $key }
backup-key-unexpected = 备份 { $dir } 的清单说其中没有密钥，但有 { $key }
backup-cannot-copy = 无法把 { $from } 复制到 { $to }
backup-cannot-make-private = 无法把 { $file } 设为仅本用户可读写
backup-unexpected-directory = { $path }：数据库备份中不应有目录
restore-not-empty = 数据目录 { $data } 已存在且不为空：请恢复到一个新目录
restore-drop-key = 备份 { $dir } 中已有节点密钥：请去掉 --key
restore-cannot-clear = 无法清除上次未完成的恢复 { $dir }
restore-cannot-replace = 无法替换 { $dir }
restore-cannot-move = 无法把恢复好的 { $from } 移到 { $to }
restore-wrong-key = { $file }：此密钥属于节点 { $key }，但备份是节点 { $node } 的
restore-cannot-open-db = 无法打开恢复出的数据库 { $dir }
restore-fails-verification = 恢复出的数据库未通过校验：{ $detail }
restore-cannot-write-marker = 无法在 { $dir } 中写入恢复标记
# The comments of the configuration file `fedrec init` writes (node/src/config_file.rs), one
# message per key; each line becomes a TOML comment.
config-file-header = fedrec 节点配置，由 `fedrec init` 写入。
    各项设置依次取自默认值、本文件、环境变量（FEDREC_API、FEDREC_LISTEN、FEDREC_MDNS）
    和命令行参数，后者优先。写了未知的键会报错。
config-file-role = 本节点的类型：ministry（人社部）、recommender（推荐单位）或 field-office（外派机构）。
config-file-name = 本单位名称，显示给使用者，也写入日志。
config-file-recommender = 本节点所代表的推荐单位，即人社部名册中的推荐单位编号。
config-file-data-dir = 密钥、数据库和附件的存放目录（相对于本文件）。
config-file-listen = 点对点网络的监听地址（multiaddr）：其他节点连接到这里。
config-file-api = 供命令行和本单位程序使用的本地 HTTP 接口，只能是本机回环地址。
    调用者须出示守护进程写在本目录 .cookie 文件中的令牌。
config-file-mdns = 是否用组播 DNS 在局域网内发现其他节点（它会在每个网络接口上组播）。
config-file-peers = 需要保持连接的其他节点，形如 多地址/p2p/节点标识（外派机构在此填写本单位总部的节点）。
config-file-batch-files = 人社部签发的批次定义到达之前，本节点用来校验申报表的批次定义文件。
config-file-max-attachment-bytes = 单个附件的大小上限（字节）。
config-file-sync-interval-secs = 两轮反熵同步之间相隔的秒数。
config-file-ministry = 人社部节点：它的地址和公钥，是核验每一版名册的信任根。
config-file-ui = 供其他计算机访问的网页界面，只能经 TLS（默认关闭；见 README 中“Opening the interface to the office's network”一节）。
# Who made a change in a record's history (node/src/node.rs describe_actor).
history-actor-unknown = 未知的作者 { $actor }
history-actor-this-node = { $name }（本节点）
history-actor-ministry = 人社部
history-actor-grant = { $recommender }{ $role }（{ $id }）
history-actor-node = 节点 { $id }
