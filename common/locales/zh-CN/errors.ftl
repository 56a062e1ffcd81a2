# 节点拒绝一项操作时给出的说明：命令行和接口的调用方以其语言读到。
# 参数中的编号、路径和英文键是稳定的标识，原样保留。

error-ministry-only = 只有部委节点可以{ $action }
action-create-roster = 创建推荐单位名册
action-change-roster = 修改推荐单位名册
action-publish-batch = 发布批次
action-record-review = 录入专家评审意见
action-recognise = 认定基地
action-decline = 作出不予认定的决定
action-publish-list = 公布基地名单
error-ministry-writes-no-records = 部委节点不编写推荐单位的申报记录
error-no-recommender = 本节点不代表任何推荐单位
error-batch-move = 记录 { $id } 属于第 { $held } 批，不能改到第 { $asked } 批
error-attachment-kind = 附件类型“{ $kind }”无效：应为 recommendation_letter（推荐函）、proof（证明材料）或 extra（其他材料）
error-attachment-empty = 附件 { $name } 是空文件
error-not-a-hash = “{ $hash }”不是 BLAKE3 哈希值（应为 64 位十六进制数字）
error-no-attachment = 本节点没有附件 { $hash }
error-feed-length = 数据流（{ $author }，{ $topic }）有 { $count } 条记录，但其头部记为第 { $seq } 条
error-feed-broken = 数据流（{ $author }，{ $topic }）：{ $detail }
error-entry-broken = 数据流（{ $author }，{ $topic }）的第 { $seq } 条记录：{ $detail }
error-not-writable-restored = 本节点尚未从持有其数据流的节点得知该数据流的最新位置，在此之前不会签署新的记录（防止恢复备份后数据流分叉）。与这样的节点完成第一轮同步后即可写入；也可以用 `fedrec run --offline` 启动
error-no-record = 本节点没有记录 { $id }
error-record-no-document = 记录 { $id } 没有保存的文档
error-no-roster-import = 本节点尚无推荐单位名册，请先导入部委发布的名册
error-no-roster = 本节点尚无推荐单位名册
error-not-own-record = 记录 { $id } 属于推荐单位 { $owner }，本节点代表的是 { $recommender }
error-not-a-record-doc = { $doc } 不是申报记录
error-not-a-record-id = “{ $id }”不是记录编号（应为 16 位十六进制数字，或 record/<批次>/<推荐单位>/<编号>）
error-peer-may-not-read = 对方节点无权读取 { $topic }
error-ministry-topic-unconfirmed = 部委在 { $topic } 上的数据流尚未得到持有它的节点确认
error-no-verdict-yet = 记录 { $id } 尚无受理结论（未提交，或尚未收到部委回执）
error-no-batch-definition = 本节点没有第 { $batch } 批的批次定义
error-decline-reason = 请填写不予认定的理由
error-review-not-accepted = 只有已受理的申报才进入评审；本记录的结论是“{ $verdict }”
error-nothing-to-publish = 第 { $batch } 批没有已认定的基地可以公布
error-roster-kind = 推荐单位类别“{ $kind }”无效：应为 province（省级）、department（国务院部门）、central_enterprise（中央企业）、association（行业协会）或 institute（科研院所）
error-roster-role = 密钥角色“{ $role }”无效：应为 hq（总部）或 field_office（派出机构）
error-ministry-imports-nothing = 推荐单位名册和批次定义由部委签发，部委节点从不导入它们
error-roster-refused = 名册被拒绝：{ $detail }
error-roster-not-newer = 本节点已持有第 { $held } 版名册；所给名册为第 { $given } 版，并不更新
error-batch-refused = 批次定义被拒绝：{ $detail }
error-request-body = 请求内容有误：{ $detail }
error-request-body-edit = 请求内容有误：请给出 `application` 或 `set`
error-query = 查询参数有误：{ $detail }
error-query-attachment = 查询参数有误：{ $detail }；请给出 ?kind=...&name=...
error-query-batch = 查询参数有误：{ $detail }；请给出 ?batch=N
error-batch-not-utf8 = 批次文件不是 UTF-8 编码
error-no-endpoint = 没有这个接口；请查看 /openapi.json
error-internal = 节点内部出错：{ $detail }
error-invalid-application = 申报表有 { $count } 处问题
error-too-large = { $what }有 { $size } 字节，上限为 { $limit } 字节
error-storage = 存储出错：{ $detail }
error-record-document = 记录文档出错：{ $detail }
error-backup-relative = 备份目录 { $dir }：请给出绝对路径
error-backup-exists = 备份目录 { $dir } 已存在；请另起一个名称
error-backup-no-parent = 备份目录 { $dir }：其上级目录不存在
