# 申报表：表格栏目以外的名称（表格栏目的中文名称见 common/src/form.rs 的 FIELDS）和校验问题。

field-batch = 批次
field-attachments = 附件

## 单位性质与附件种类

nature-university = 高等院校
nature-research_institute = 科研院所
nature-training_institution = 教育培训机构
nature-association = 专业协会（学会）
nature-enterprise = 企业培训机构
attachment-recommendation_letter = 推荐函
attachment-proof = 证明材料
attachment-extra = 另附纸

## 校验问题

problem-batch-mismatch = 申报表填写的是第{ $app_batch }批，却按第{ $batch }批核对
problem-no-batch = 本节点没有第{ $batch }批的批次定义；请导入人社部的名册包或添加批次文件
problem-ministry-no-batch = 人社部没有第{ $batch }批的批次定义
problem-no-such-box = 申报表没有这一栏
problem-wrong-kind = 应填{ $kind ->
        [yesno] “是”或“否”
        [yuan] 以元为单位的整数
        [areas] 重点领域列表
       *[text] 文字
    }，而不是 { $value }
problem-not-yes-no = 应填“是”或“否”，而不是“{ $value }”
problem-not-yuan = 应填以元为单位的整数，而不是“{ $value }”
problem-bad-date = “{ $value }”不是形如 2016-03-01 的日期
problem-credit-code-length = 应为18位，实际为{ $found }位
problem-credit-code-character = 第{ $position }位字符“{ $found }”不允许：只能使用 0-9 和 A-H J-N P Q R T U W X Y
problem-credit-code-check = 校验码为“{ $found }”，但前17位要求“{ $expected }”
problem-credit-code-organisation = 内含的组织机构代码（第9至17位）校验码为“{ $found }”，但应为“{ $expected }”
problem-bad-nature = “{ $value }”不是以下之一：{ $known }
problem-phone-character = 电话号码中不应有“{ $char }”
problem-phone-digits = “{ $value }”只有{ $digits }位数字；电话号码至少7位
problem-subsidy-over-cap = { $requested } 元超过第{ $batch }批的补助上限 { $cap } 元
problem-area-unknown = “{ $area }”不在第{ $batch }批的重点领域之内：{ $areas }
problem-area-twice = “{ $area }”重复填写
problem-too-many-attachments = 列出 { $count } 个附件；最多 { $limit } 个
problem-attachment-kind = “{ $value }”不是以下之一：{ $known }
problem-file-empty = 未写文件名
problem-file-absolute = “{ $file }”必须是相对路径
problem-file-climbs = “{ $file }”不得用“..”跳出所在文件夹
problem-file-name-long = 文件名超过255个字符
problem-blake3 = “{ $value }”不是64位小写十六进制数字
problem-proof-required = 填写了已有的区域性或行业性基地，须附证明材料（proof 附件）
problem-empty = 必填栏目为空
problem-empty-yes-no = 必填栏目为空：请填写 true（是）或 false（否）
problem-empty-areas = 必填栏目为空：请至少填写以下之一：{ $areas }
problem-too-long = 共 { $length } 个字符；本栏最多 { $limit } 个字符（其余内容请另附纸，作为 extra 附件）
problem-single-line = 只能填写一行
