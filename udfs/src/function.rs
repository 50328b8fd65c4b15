//! [`police_function!`], the declaration every police function shares.

/// Declares a police scalar function: the `#[user_doc]` struct, its `ScalarUDFImpl` and the
/// shared instance its family's `functions()` registers. Every function has one signature and a
/// fixed return type, so only what differs is written: the documentation, the struct, the
/// static and the SQL name, the signature, the return type and the body of `invoke_with_args`,
/// which names its `ScalarFunctionArgs` argument.
///
/// ```text
/// police_function! {
///     #[user_doc(doc_section(label = "Plate Functions"), description = "...", ...)]
///     struct PlateKind;
///     pub static PLATE_KIND = "plate_kind";
///     signature = kernel::one_text_argument();
///     return_type = DataType::Utf8;
///     fn invoke_with_args(args) {
///         kernel::evaluate_short(&mut OfPlate::new(|plate: &Plate| ...), &args.args[0])
///     }
/// }
/// ```
macro_rules! police_function {
    (
        #[user_doc($($doc:tt)*)]
        struct $function:ident;
        $vis:vis static $instance:ident = $name:literal;
        signature = $signature:expr;
        return_type = $return_type:expr;
        fn invoke_with_args($args:ident) $invoke:block
    ) => {
        #[::datafusion_macros::user_doc($($doc)*)]
        #[derive(Debug, PartialEq, Eq, Hash)]
        struct $function {
            signature: ::datafusion::logical_expr::Signature,
        }

        impl ::datafusion::logical_expr::ScalarUDFImpl for $function {
            fn name(&self) -> &str {
                $name
            }

            fn signature(&self) -> &::datafusion::logical_expr::Signature {
                &self.signature
            }

            fn return_type(
                &self,
                _arg_types: &[::arrow::datatypes::DataType],
            ) -> ::datafusion::common::Result<::arrow::datatypes::DataType> {
                Ok($return_type)
            }

            fn invoke_with_args(
                &self,
                $args: ::datafusion::logical_expr::ScalarFunctionArgs,
            ) -> ::datafusion::common::Result<::datafusion::logical_expr::ColumnarValue>
            $invoke

            fn documentation(&self) -> Option<&::datafusion::logical_expr::Documentation> {
                self.doc()
            }
        }

        #[doc = concat!("The shared `", $name, "` function.")]
        $vis static $instance: ::std::sync::LazyLock<
            ::std::sync::Arc<::datafusion::logical_expr::ScalarUDF>,
        > = ::std::sync::LazyLock::new(|| {
            ::std::sync::Arc::new(::datafusion::logical_expr::ScalarUDF::new_from_impl($function {
                signature: $signature,
            }))
        });
    };
}

pub(crate) use police_function;
