package queue

import (
	"fmt"
	"slices"
)

// DemoPasswordHash is the bcrypt hash of "demo", the password of every demo
// account.
const DemoPasswordHash = "$2a$10$u3Wpgv7tQ5qfnyvonBK6w.oRFBX4LTnvaMF6mOt/8IoEkZTW2il3i"

// Demo returns the built-in demo hall: a labour and social-security hall with six
// services (prefixes A–F), ten windows, staff 1001–1012, duty director 9001 and
// admin 9999 (password "demo"), and the device tokens demo-kiosk, demo-display,
// demo-evaluator and demo-agent. It issues tickets all day, so that it can be
// tried at any hour; a real hall sets its hours in its configuration file.
func Demo() *Config {
	c := &Config{
		Demo: true,
		Hall: Hall{Name: "示范区人力资源和社会保障局办事大厅", NameEn: "Demo District Labour and Social Security Service Hall",
			TimeZone: "Asia/Shanghai", Open: "00:00", Close: "24:00", IssueCutoff: "24:00",
			Notice: "请持号等候，留意叫号；办事指南可在取号机查看。 Please wait for your number to be called."},
		Rules:    Rules{NoShowRequeue: 1, SlipValidDays: 7, CaseWarnDays: 1},
		Calendar: Calendar{Holidays: slices.Clone(China2026.Holidays), Workdays: slices.Clone(China2026.Workdays)},
		Priorities: []Priority{
			{Code: "senior", Name: "老年人优先", NameEn: "Seniors", HeadStartS: 900,
				Proof: "60 周岁以上，凭身份证或老年人优待证", ProofEn: "Aged 60 or over: ID card or senior citizen card"},
			{Code: "disabled", Name: "残疾人优先", NameEn: "Disabled", HeadStartS: 900,
				Proof: "凭残疾人证", ProofEn: "Disability certificate"},
			{Code: "military", Name: "军人优先", NameEn: "Service members", HeadStartS: 900,
				Proof: "现役军人凭军官证或士兵证，退役军人凭优待证", ProofEn: "Serving: officer's or soldier's card; veterans: preferential treatment card"},
			{Code: "pregnant", Name: "孕妇优先", NameEn: "Expectant mothers", HeadStartS: 900,
				Proof: "孕期妇女，凭母子健康手册或经引导员确认", ProofEn: "Maternal health handbook, or as the greeter sees"},
		},
		Services: []Service{
			{Code: "employment", Name: "就业登记", NameEn: "Employment registration", Prefix: "A", LimitS: 1800, CaseDays: 5, AvgServiceS: 300,
				Materials: []string{"居民身份证原件及复印件", "户口簿（首页及本人页）", "近期一寸免冠照片 2 张", "劳动合同或用工证明", "《就业创业证》（已办理的）"},
				MaterialsEn: []string{"ID card, original and copy", "Household register (front page and own page)", "Two recent 1-inch photos",
					"Labour contract or proof of employment", "Employment and Entrepreneurship Certificate (if issued)"},
				Guide: Guide{LegalDays: 20,
					Basis:       []string{"《中华人民共和国就业促进法》", "《就业服务与就业管理规定》第六十二条"},
					BasisEn:     []string{"Employment Promotion Law of the PRC", "Provisions on Employment Services and Employment Management, art. 62"},
					Procedure:   []string{"取号，等候叫号", "到窗口提交申请材料", "工作人员审核材料、录入就业登记信息", "材料齐全的当场办结；需核实的在承诺时限内办结并告知结果"},
					ProcedureEn: []string{"Take a ticket and wait for your number", "Hand in the papers at the window", "The officer checks them and records the registration", "Done at once when complete; otherwise within the committed time, and you are told the result"}},
				Commitment: Commitment{WaitMin: 20, HandleMin: 10},
				Backup:     Backup{OpenWaiting: 12, CloseWaiting: 4}},
			{Code: "unemployment", Name: "失业保险金申领", NameEn: "Unemployment benefit claim", Prefix: "B", LimitS: 2400, CaseDays: 10, AvgServiceS: 480,
				Materials: []string{"居民身份证原件及复印件", "解除或终止劳动合同证明", "失业登记证明", "本人银行卡（社保卡）", "近期一寸免冠照片 1 张"},
				MaterialsEn: []string{"ID card, original and copy", "Proof of ended labour contract", "Unemployment registration",
					"Own bank card (social security card)", "One recent 1-inch photo"},
				Guide: Guide{LegalDays: 10,
					Basis:       []string{"《中华人民共和国社会保险法》第四十五条至第五十二条", "《失业保险条例》第十四条、第十六条"},
					BasisEn:     []string{"Social Insurance Law of the PRC, arts. 45–52", "Regulations on Unemployment Insurance, arts. 14 and 16"},
					Procedure:   []string{"取号，等候叫号", "到窗口提交申请材料并签字确认", "工作人员审核领取资格", "审核通过后按月发放失业保险金，结果短信告知"},
					ProcedureEn: []string{"Take a ticket and wait for your number", "Hand in the papers at the window and sign", "The officer checks your entitlement", "Once approved, the benefit is paid monthly; you are told by text message"}},
				Commitment: Commitment{WaitMin: 25, HandleMin: 15},
				Backup:     Backup{OpenWaiting: 10, CloseWaiting: 3}},
			{Code: "pension", Name: "养老保险", NameEn: "Pension insurance", Prefix: "C", LimitS: 2400, CaseDays: 15, AvgServiceS: 420,
				Materials: []string{"居民身份证原件及复印件", "社会保障卡", "户口簿", "参保缴费凭证", "退休审批相关材料（办理退休的）"},
				MaterialsEn: []string{"ID card, original and copy", "Social security card", "Household register",
					"Proof of contributions", "Retirement approval papers (for retirement)"},
				Guide: Guide{LegalDays: 20,
					Basis:       []string{"《中华人民共和国社会保险法》第二章", "《国务院关于建立统一的企业职工基本养老保险制度的决定》（国发〔1997〕26号）"},
					BasisEn:     []string{"Social Insurance Law of the PRC, chapter 2", "State Council decision on a unified basic pension for enterprise employees (1997 No. 26)"},
					Procedure:   []string{"取号，等候叫号", "到窗口提交申请材料", "工作人员核对参保缴费记录", "审核待遇并办理，在承诺时限内告知结果"},
					ProcedureEn: []string{"Take a ticket and wait for your number", "Hand in the papers at the window", "The officer checks your contribution record", "The entitlement is assessed and granted; you are told within the committed time"}},
				Commitment: Commitment{WaitMin: 25, HandleMin: 15},
				Backup:     Backup{OpenWaiting: 12, CloseWaiting: 4}},
			{Code: "medical", Name: "医疗保险", NameEn: "Medical insurance", Prefix: "D", LimitS: 1800, CaseDays: 10, AvgServiceS: 360,
				Materials: []string{"居民身份证原件及复印件", "社会保障卡", "医疗费用发票原件", "费用明细清单", "病历及诊断证明"},
				MaterialsEn: []string{"ID card, original and copy", "Social security card", "Original medical invoices",
					"Itemised bill", "Medical records and diagnosis"},
				Guide: Guide{LegalDays: 30,
					Basis:       []string{"《中华人民共和国社会保险法》第三章", "《医疗保障基金使用监督管理条例》"},
					BasisEn:     []string{"Social Insurance Law of the PRC, chapter 3", "Regulations on the Supervision of Medical Security Funds"},
					Procedure:   []string{"取号，等候叫号", "到窗口提交发票、费用清单和病历", "工作人员审核费用并计算报销金额", "报销款在承诺时限内转入本人社保卡"},
					ProcedureEn: []string{"Take a ticket and wait for your number", "Hand in the invoices, the bill and the records", "The officer checks the costs and works out the refund", "The refund is paid to your social security card within the committed time"}},
				Commitment: Commitment{WaitMin: 20, HandleMin: 10},
				Backup:     Backup{OpenWaiting: 12, CloseWaiting: 4}},
			{Code: "injury", Name: "工伤保险", NameEn: "Work injury insurance", Prefix: "E", LimitS: 3000, CaseDays: 20, AvgServiceS: 600,
				Materials: []string{"居民身份证原件及复印件", "工伤认定申请表", "劳动关系证明", "医疗诊断证明", "事故调查报告或证人证言"},
				MaterialsEn: []string{"ID card, original and copy", "Work injury application form", "Proof of employment relationship",
					"Medical diagnosis", "Accident report or witness statements"},
				Guide: Guide{LegalDays: 40,
					Basis:       []string{"《中华人民共和国社会保险法》第四章", "《工伤保险条例》第十七条、第二十条"},
					BasisEn:     []string{"Social Insurance Law of the PRC, chapter 4", "Regulations on Work-Related Injury Insurance, arts. 17 and 20"},
					Procedure:   []string{"取号，等候叫号", "到窗口提交工伤认定申请及证明材料", "工作人员受理并调查核实", "作出工伤认定决定，书面送达本人及用人单位"},
					ProcedureEn: []string{"Take a ticket and wait for your number", "Hand in the application and the evidence at the window", "The officer accepts it and looks into the facts", "The decision is made and sent in writing to you and your employer"}},
				Commitment: Commitment{WaitMin: 30, HandleMin: 20},
				Backup:     Backup{OpenWaiting: 8, CloseWaiting: 2}},
			{Code: "consult", Name: "政策咨询", NameEn: "Policy enquiries", Prefix: "F", LimitS: 1200, AvgServiceS: 180,
				Materials:   []string{"居民身份证（查询个人信息时）", "相关书面材料（如有）"},
				MaterialsEn: []string{"ID card (for personal records)", "Related papers (if any)"},
				Guide: Guide{
					Basis:       []string{"《中华人民共和国就业促进法》《中华人民共和国社会保险法》等法律法规"},
					BasisEn:     []string{"Employment Promotion Law, Social Insurance Law and related rules"},
					Procedure:   []string{"取号，等候叫号", "到窗口说明咨询事项", "工作人员当场解答；不能当场解答的，引导至相关窗口或部门"},
					ProcedureEn: []string{"Take a ticket and wait for your number", "Tell the officer at the window what you wish to know", "Answered on the spot; otherwise you are shown to the window or office that can answer"}},
				Commitment: Commitment{WaitMin: 15, HandleMin: 5},
				Backup:     Backup{OpenWaiting: 15, CloseWaiting: 5}},
		},
		Windows: []Window{
			{ID: 1, Name: "1号窗口", NameEn: "Window 1", ServicesA: []string{"employment"}, ServicesB: []string{"consult"}},
			{ID: 2, Name: "2号窗口", NameEn: "Window 2", ServicesA: []string{"employment"}, ServicesB: []string{"unemployment"}},
			{ID: 3, Name: "3号窗口", NameEn: "Window 3", ServicesA: []string{"unemployment"}, ServicesB: []string{"employment"}},
			{ID: 4, Name: "4号窗口", NameEn: "Window 4", ServicesA: []string{"pension"}, ServicesB: []string{"medical"}},
			{ID: 5, Name: "5号窗口", NameEn: "Window 5", ServicesA: []string{"pension"}, ServicesB: []string{"injury"}},
			{ID: 6, Name: "6号窗口", NameEn: "Window 6", ServicesA: []string{"medical"}, ServicesB: []string{"pension"}},
			{ID: 7, Name: "7号窗口", NameEn: "Window 7", ServicesA: []string{"medical"}, ServicesB: []string{"employment"}},
			{ID: 8, Name: "8号窗口", NameEn: "Window 8", ServicesA: []string{"injury"}, ServicesB: []string{"medical"}},
			{ID: 9, Name: "9号窗口", NameEn: "Window 9", ServicesA: []string{"consult"}, ServicesB: []string{"unemployment", "injury"}},
			{ID: 10, Name: "10号综合窗口", NameEn: "Window 10 (general)", ServicesA: []string{"consult"}, ServicesB: []string{"pension"}},
		},
		Staff: []Staff{
			{JobNo: "1001", Name: "王芳", NameEn: "Wang Fang", PostsA: []int{1}, PostsB: []int{2}},
			{JobNo: "1002", Name: "李强", NameEn: "Li Qiang", PostsA: []int{2}, PostsB: []int{1}},
			{JobNo: "1003", Name: "张敏", NameEn: "Zhang Min", PostsA: []int{3}, PostsB: []int{9}},
			{JobNo: "1004", Name: "刘洋", NameEn: "Liu Yang", PostsA: []int{4}, PostsB: []int{5}},
			{JobNo: "1005", Name: "陈静", NameEn: "Chen Jing", PostsA: []int{5}, PostsB: []int{4}},
			{JobNo: "1006", Name: "杨磊", NameEn: "Yang Lei", PostsA: []int{6}, PostsB: []int{7}},
			{JobNo: "1007", Name: "赵丽", NameEn: "Zhao Li", PostsA: []int{7}, PostsB: []int{6}},
			{JobNo: "1008", Name: "黄伟", NameEn: "Huang Wei", PostsA: []int{8}, PostsB: []int{5}},
			{JobNo: "1009", Name: "周婷", NameEn: "Zhou Ting", PostsA: []int{9}, PostsB: []int{10}},
			{JobNo: "1010", Name: "吴刚", NameEn: "Wu Gang", PostsA: []int{10}, PostsB: []int{9}},
			{JobNo: "1011", Name: "徐慧", NameEn: "Xu Hui", PostsB: []int{1, 2, 3}},
			{JobNo: "1012", Name: "孙涛", NameEn: "Sun Tao", PostsB: []int{4, 6, 8}},
			{JobNo: "9001", Name: "马建国", NameEn: "Ma Jianguo", Role: RoleDirector},
			{JobNo: "9999", Name: "系统管理员", NameEn: "Administrator", Role: RoleAdmin},
		},
		Devices: []Device{
			{Name: "kiosk-1", Role: RoleKiosk, Token: "demo-kiosk"},
			{Name: "hall-screen", Role: RoleDisplay, Token: "demo-display"},
			{Name: "evaluator", Role: RoleEvaluator, Token: "demo-evaluator"},
			{Name: "agent-1", Role: RoleAgent, Token: "demo-agent", Owns: demoAgentOwns(), KeypadWindows: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		},
	}
	for i := range c.Staff {
		c.Staff[i].PasswordHash = DemoPasswordHash
		if c.Staff[i].Role == "" {
			c.Staff[i].Role = RoleStaff
		}
	}
	return c
}

// demoAgentOwns are the devices the demo agent drives: those of qcall devsim
// (printer-1, and an LED bar led-N and a keypad keypad-N at each window), and
// a second printer, printer-2, for a hall that tries two.
func demoAgentOwns() []string {
	owns := []string{"printer-1", "printer-2"}
	for w := 1; w <= 10; w++ {
		owns = append(owns, fmt.Sprintf("led-%d", w), fmt.Sprintf("keypad-%d", w))
	}
	return owns
}
