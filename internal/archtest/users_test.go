package archtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/store"
)

// userMethods are the store methods that read or write user records,
// credentials and tokens. Only internal/account calls them (DESIGN.md:
// account is the only package that reads users), so that its user cache
// sees every write.
var userMethods = map[string]bool{
	"CreateUser": true, "User": true, "UserByName": true, "UpdateUser": true,
	"Credentials": true, "PutToken": true, "TokenUser": true, "DeleteToken": true,
}

// mayUseUsers reports whether pkg may call userMethods: the account
// service, and the store packages that define and test them.
func mayUseUsers(pkg string) bool {
	return pkg == "internal/account" || pkg == "internal/store" || strings.HasPrefix(pkg, "internal/store/")
}

// typedPkg is a module package with the files to check (tests excluded:
// they may set up users through the store).
type typedPkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	Standard   bool
}

// loadExports lists the module's packages and the compiler export data of
// everything they import, building what is not yet in the build cache.
func loadExports(t *testing.T) (pkgs []typedPkg, exports map[string]string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-export", "-deps", "-json=ImportPath,Dir,GoFiles,Export,Standard", module+"...")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports = map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p typedPkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		exports[p.ImportPath] = p.Export
		if !p.Standard && strings.HasPrefix(p.ImportPath, module) {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d module packages", len(pkgs))
	}
	return pkgs, exports
}

// userChecker finds uses of the store's user methods in type-checked code.
type userChecker struct {
	fset *token.FileSet
	imp  types.Importer
}

func newUserChecker(exports map[string]string) *userChecker {
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	return &userChecker{fset: fset, imp: imp}
}

// finding is one use of a store user method outside the account service.
type finding struct {
	pos token.Position
	msg string
}

// check type-checks the named files of one package and returns each use
// of a store user method: a call or method value on a store type
// (store.Store, a backend, or a type embedding them), or a store value
// converted to an interface that declares one of the methods, which would
// let the package call them through an interface of its own.
func (c *userChecker) check(path string, files []string) ([]finding, error) {
	var asts []*ast.File
	for _, f := range files {
		af, err := parser.ParseFile(c.fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		asts = append(asts, af)
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := types.Config{Importer: c.imp}
	if _, err := conf.Check(path, c.fset, asts, info); err != nil {
		return nil, fmt.Errorf("type-check %s: %w", path, err)
	}
	var found []finding
	report := func(pos token.Pos, format string, args ...any) {
		found = append(found, finding{c.fset.Position(pos), fmt.Sprintf(format, args...)})
	}
	for sel, s := range info.Selections {
		if fn, ok := s.Obj().(*types.Func); ok && isStoreUserMethod(fn) {
			report(sel.Sel.Pos(), "%s on %s", fn.Name(), s.Recv())
		}
	}
	converted := func(e ast.Expr, to types.Type) {
		from := info.TypeOf(e)
		if from == nil || to == nil || !types.IsInterface(to) || types.Identical(from, to) || ownedByUsers(to) {
			return
		}
		if m := storeUserMethodVia(from, to); m != "" {
			report(e.Pos(), "%s (with store method %s) used as %s", from, m, to)
		}
	}
	for _, f := range asts {
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			stack = append(stack, n)
			conversions(info, n, stack, converted)
			return true
		})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].pos.Offset < found[j].pos.Offset })
	return found, nil
}

// conversions calls converted for each expression n assigns to a
// variable, field, parameter, element or result of a known type: the
// places where Go converts a value to an interface implicitly. stack
// holds n and its ancestors.
func conversions(info *types.Info, n ast.Node, stack []ast.Node, converted func(ast.Expr, types.Type)) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
			for i := range n.Lhs {
				converted(n.Rhs[i], info.TypeOf(n.Lhs[i]))
			}
		}
	case *ast.ValueSpec:
		if n.Type != nil {
			for _, v := range n.Values {
				converted(v, info.TypeOf(n.Type))
			}
		}
	case *ast.CallExpr:
		if tv, ok := info.Types[n.Fun]; ok && tv.IsType() {
			if len(n.Args) == 1 {
				converted(n.Args[0], tv.Type) // an explicit conversion
			}
			return
		}
		sig, ok := types.Unalias(info.TypeOf(n.Fun)).Underlying().(*types.Signature)
		if !ok {
			return
		}
		for i, a := range n.Args {
			converted(a, paramType(sig, i, n.Ellipsis.IsValid()))
		}
	case *ast.CompositeLit:
		t := info.TypeOf(n)
		if t == nil {
			return
		}
		switch u := t.Underlying().(type) {
		case *types.Struct:
			for i, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						converted(kv.Value, info.TypeOf(id))
					}
				} else if i < u.NumFields() {
					converted(el, u.Field(i).Type())
				}
			}
		case *types.Slice, *types.Array, *types.Map:
			elem := u.(interface{ Elem() types.Type }).Elem()
			for _, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					el = kv.Value
				}
				converted(el, elem)
			}
		}
	case *ast.SendStmt:
		if ch, ok := types.Unalias(info.TypeOf(n.Chan)).Underlying().(*types.Chan); ok {
			converted(n.Value, ch.Elem())
		}
	case *ast.ReturnStmt:
		sig := enclosingSig(info, stack)
		if sig != nil && sig.Results().Len() == len(n.Results) {
			for i, r := range n.Results {
				converted(r, sig.Results().At(i).Type())
			}
		}
	}
}

// paramType is the type argument i of a call to sig is assigned to.
func paramType(sig *types.Signature, i int, spread bool) types.Type {
	params := sig.Params()
	if sig.Variadic() && i >= params.Len()-1 {
		last := params.At(params.Len() - 1).Type()
		if spread {
			return last
		}
		return last.(*types.Slice).Elem()
	}
	if i < params.Len() {
		return params.At(i).Type()
	}
	return nil
}

// enclosingSig is the signature of the innermost function in stack.
func enclosingSig(info *types.Info, stack []ast.Node) *types.Signature {
	for i := len(stack) - 1; i >= 0; i-- {
		switch f := stack[i].(type) {
		case *ast.FuncLit:
			sig, _ := info.TypeOf(f).(*types.Signature)
			return sig
		case *ast.FuncDecl:
			if obj := info.Defs[f.Name]; obj != nil {
				sig, _ := obj.Type().(*types.Signature)
				return sig
			}
			return nil
		}
	}
	return nil
}

// isStoreUserMethod reports whether fn is one of userMethods declared in
// a store package (the Store interface or a backend).
func isStoreUserMethod(fn *types.Func) bool {
	if !userMethods[fn.Name()] || fn.Pkg() == nil || fn.Signature().Recv() == nil {
		return false
	}
	p := fn.Pkg().Path()
	return p == module+"internal/store" || strings.HasPrefix(p, module+"internal/store/")
}

// ownedByUsers reports whether t is declared in a package that may use
// the user methods: store.Store itself, or the account service's own
// view of the store (account.Store), which is how the server wires it.
func ownedByUsers(t types.Type) bool {
	named, ok := types.Unalias(t).(*types.Named)
	if !ok || named.Obj().Pkg() == nil {
		return false
	}
	p := named.Obj().Pkg().Path()
	return strings.HasPrefix(p, module) && mayUseUsers(strings.TrimPrefix(p, module))
}

// storeUserMethodVia returns a user method that iface declares and that a
// value of type from would serve with the store's own method, or "".
func storeUserMethodVia(from, iface types.Type) string {
	it, ok := iface.Underlying().(*types.Interface)
	if !ok {
		return ""
	}
	for i := 0; i < it.NumMethods(); i++ {
		name := it.Method(i).Name()
		if !userMethods[name] {
			continue
		}
		obj, _, _ := types.LookupFieldOrMethod(from, true, nil, name)
		if fn, ok := obj.(*types.Func); ok && isStoreUserMethod(fn) {
			return name
		}
	}
	return ""
}

// TestOnlyAccountReadsUsers keeps DESIGN.md's rule: internal/account is
// the only package that reads users (and tokens) from the store.
func TestOnlyAccountReadsUsers(t *testing.T) {
	pkgs, exports := loadExports(t)
	c := newUserChecker(exports)
	for _, p := range pkgs {
		rel := strings.TrimPrefix(p.ImportPath, module)
		if mayUseUsers(rel) || len(p.GoFiles) == 0 {
			continue
		}
		var files []string
		for _, f := range p.GoFiles {
			files = append(files, filepath.Join(p.Dir, f))
		}
		found, err := c.check(p.ImportPath, files)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		for _, f := range found {
			file := rel + "/" + filepath.Base(f.pos.Filename)
			t.Errorf("%s:%d: %s: only internal/account reads users and tokens from the store; call the account service",
				file, f.pos.Line, f.msg)
		}
	}
}

// TestUserCheckerCatchesViolations runs the checker over a package that
// breaks the rule in every way it knows (testdata/badusers), so a broken
// checker cannot silently pass everything: each line marked "// want" must
// be reported, and no other.
func TestUserCheckerCatchesViolations(t *testing.T) {
	_, exports := loadExports(t)
	c := newUserChecker(exports)
	file := filepath.Join("testdata", "badusers", "bad.go")
	found, err := c.check("example.com/badusers", []string{file})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{}
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, "// want") {
			want[i+1] = true
		}
	}
	if len(want) < 5 {
		t.Fatalf("fixture has only %d marked lines", len(want))
	}
	got := map[int]bool{}
	for _, f := range found {
		got[f.pos.Line] = true
		if !want[f.pos.Line] {
			t.Errorf("%s:%d: reported but not marked: %s", file, f.pos.Line, f.msg)
		}
	}
	for line := range want {
		if !got[line] {
			t.Errorf("%s:%d: marked but not reported", file, line)
		}
	}
}

// TestUserMethodsAreStoreUsers keeps userMethods in step with store.Users,
// so a user or token method added to the store is guarded from the start.
func TestUserMethodsAreStoreUsers(t *testing.T) {
	it := reflect.TypeFor[store.Users]()
	names := map[string]bool{}
	for i := range it.NumMethod() {
		names[it.Method(i).Name] = true
	}
	if !maps.Equal(names, userMethods) {
		t.Errorf("userMethods = %v, store.Users has %v", slices.Sorted(maps.Keys(userMethods)), slices.Sorted(maps.Keys(names)))
	}
}
