package skills

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
)

const validID = "11010519491231002X"

func TestPlanDraftCheck(t *testing.T) {
	now := time.Date(2027, 2, 2, 17, 0, 0, 0, time.UTC) // 2027-02-03 01:00 in China
	uscc := "91320102MA1N2P3Q4R"
	if _, err := ident.ValidateUSCC(uscc); err != nil {
		uscc = ident.GenerateUSCC(newRand(), "320102")
	}
	ok := PlanDraft{UnitUSCC: uscc, Name: "第一期", Occupation: "电工", Level: 3, ExamDate: "2027-02-03"}
	tests := []struct {
		name string
		edit func(*PlanDraft)
		want error
	}{
		{"valid, exam today in China", func(*PlanDraft) {}, nil},
		{"bad USCC", func(d *PlanDraft) { d.UnitUSCC = "123" }, ident.ErrUSCCFormat},
		{"no name", func(d *PlanDraft) { d.Name = "  " }, ErrPlanName},
		{"name 61 runes", func(d *PlanDraft) { d.Name = strings.Repeat("计", 61) }, ErrPlanName},
		{"name 60 runes", func(d *PlanDraft) { d.Name = strings.Repeat("计", 60) }, nil},
		{"no occupation", func(d *PlanDraft) { d.Occupation = "" }, ErrOccupation},
		{"occupation 41 runes", func(d *PlanDraft) { d.Occupation = strings.Repeat("工", 41) }, ErrOccupation},
		{"level 0", func(d *PlanDraft) { d.Level = 0 }, ErrLevel},
		{"level 6", func(d *PlanDraft) { d.Level = 6 }, ErrLevel},
		{"level 1", func(d *PlanDraft) { d.Level = 1 }, nil},
		{"date yesterday in China", func(d *PlanDraft) { d.ExamDate = "2027-02-02" }, ErrExamDate},
		{"date not a date", func(d *PlanDraft) { d.ExamDate = "2027-02-30" }, ErrExamDate},
		{"date other format", func(d *PlanDraft) { d.ExamDate = "2027/03/01" }, ErrExamDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok
			tt.edit(&d)
			_, err := d.Check(now)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Check: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCandidateRules(t *testing.T) {
	s := &Service{d: Deps{Now: func() time.Time { return t0 }}}
	tests := []struct {
		name            string
		in              CandidateInput
		wantField       string // "" for accepted
		wantName, wantM string
	}{
		{"valid", CandidateInput{Name: "张三", IDNumber: validID}, "", "张三", ""},
		{"lower-case x, spaces", CandidateInput{Name: " 张 三 ", IDNumber: " 11010519491231002x "}, "", "张三", ""},
		{"mobile kept", CandidateInput{Name: "张三", IDNumber: validID, Mobile: "138 0013 8000"}, "", "张三", "13800138000"},
		{"one-rune name", CandidateInput{Name: "张", IDNumber: validID}, FieldPerson, "", ""},
		{"digits in name", CandidateInput{Name: "张3", IDNumber: validID}, FieldPerson, "", ""},
		{"check digit", CandidateInput{Name: "张三", IDNumber: "110105194912310021"}, FieldIDNumber, "", ""},
		{"17 digits", CandidateInput{Name: "张三", IDNumber: "11010519491231002"}, FieldIDNumber, "", ""},
		{"bad mobile", CandidateInput{Name: "张三", IDNumber: validID, Mobile: "12345"}, FieldMobile, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.checkCandidate(tt.in)
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantField != "" && (err == nil || err.Field != tt.wantField || err.Msg == ""):
				t.Fatalf("got %+v, %v; want a refusal beside %s", got, err, tt.wantField)
			case tt.wantField == "" && (got.Name != tt.wantName || got.IDNumber != validID || got.Mobile != tt.wantM):
				t.Errorf("stored %+v", got)
			}
		})
	}
}

func TestStatesAndTabs(t *testing.T) {
	for _, tt := range []struct {
		s     State
		label string
		open  bool
	}{{StateEntry, "考生录入", true}, {StateSubmitted, "待审核", false}, {StateApproved, "已审核", false}, {StateReturned, "退回修改", true}} {
		if tt.s.Label() != tt.label || tt.s.Open() != tt.open {
			t.Errorf("%s: %q %v", tt.s, tt.s.Label(), tt.s.Open())
		}
		inTodo := false
		for _, x := range tabStates[TabTodo] {
			inTodo = inTodo || x == tt.s
		}
		if inTodo != tt.open {
			t.Errorf("%s in 待办 %v, open %v", tt.s, inTodo, tt.open)
		}
	}
	for level, label := range map[int]string{5: "五级/初级工", 1: "一级/高级技师", 0: "", 6: ""} {
		if LevelLabel(level) != label {
			t.Errorf("level %d: %q", level, LevelLabel(level))
		}
	}
}
