//! Iterators over the pages and the items of a list operation, driven by
//! the pure [`Pager`].

use super::Client;
use crate::pages::{Pager, Paginated};
use crate::transport::Transport;
use crate::{Error, Output};

/// The pages of a list, one call each; from [`Client::pages`].
///
/// Ends at the total the server gives, after a short or empty page, or at a
/// page that repeats the previous one (see [`Pager`] for every rule). After
/// an error it ends too.
#[derive(Debug)]
pub struct Pages<'c, T, O: Paginated> {
    client: &'c Client<T>,
    pager: Pager<O>,
    failed: bool,
}

impl<'c, T, O: Paginated> Pages<'c, T, O> {
    pub(super) fn new(client: &'c Client<T>, first: O) -> Self {
        Pages {
            client,
            pager: Pager::new(first),
            failed: false,
        }
    }
}

impl<T: Transport, O: Paginated> Iterator for Pages<'_, T, O> {
    type Item = Result<Output<O::Output>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            let request = self.pager.next_request()?;
            match self.client.call(request) {
                Ok(page) => {
                    if self.pager.on_page(&page.body) {
                        return Some(Ok(page));
                    }
                }
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// The items of a list, across its pages; from [`Client::items`].
#[derive(Debug)]
pub struct Items<'c, T, O: Paginated> {
    pages: Pages<'c, T, O>,
    current: std::vec::IntoIter<O::Item>,
}

impl<'c, T, O: Paginated> Items<'c, T, O> {
    pub(super) fn new(client: &'c Client<T>, first: O) -> Self {
        Items {
            pages: Pages::new(client, first),
            current: Vec::new().into_iter(),
        }
    }
}

impl<T: Transport, O: Paginated> Iterator for Items<'_, T, O> {
    type Item = Result<O::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(Ok(item));
            }
            match self.pages.next()? {
                Ok(page) => self.current = O::items(&page.body).to_vec().into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
