package ident_test

import (
	"errors"
	"fmt"
	"time"

	"hall/internal/ident"
)

func ExampleParseResidentID() {
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	id, err := ident.ParseResidentID(" 32070119900101101x ", now)
	fmt.Println(id.Number, id.BirthDate.Format(time.DateOnly), id.Sex.Label(), err)

	_, err = ident.ParseResidentID("320102199001011233", now)
	var fe *ident.FieldError
	if errors.As(err, &fe) {
		fmt.Println(fe.Code, fe.Msg, errors.Is(err, ident.ErrIDCheck))
	}
	// Output:
	// 32070119900101101X 1990-01-01 男 <nil>
	// id_check 身份号码校验位错误 true
}

func ExampleValidateUSCC() {
	n, err := ident.ValidateUSCC("91350100m000100y43")
	fmt.Println(n, err, ident.MaskUSCC(n))
	// Output: 91350100M000100Y43 <nil> 9135**********0Y43
}

func ExamplePasswordPolicy_Check() {
	p := ident.DefaultPasswordPolicy()
	fmt.Println(p.Check("Zx9#kLm2", "320102199001011232", "13812341234"))
	fmt.Println(p.Check("Xy!12341234", "320102199001011232", "13812341234"))
	fmt.Println(p.Check("Aa123456"))
	// Output:
	// <nil>
	// 密码不能包含证件号码、手机号码、信用代码或姓名等账户信息
	// 密码过于常见，请更换
}

func ExampleMaskName() {
	fmt.Println(ident.MaskName("张三"), ident.MaskName("欧阳娜娜"), ident.MaskMobile("13812341234"), ident.MaskID("320102199001011233"))
	// Output: *三 ***娜 138****1234 3***************33
}

func ExampleNewUnitNumber() {
	unit := ident.NewUnitNumber("320102", 1)
	fmt.Println(unit, ident.NewInstitutionNumber(unit, 1))
	// Output: 3201020000015 J3201020000015015
}
